// Domain probabilities per mixing policy and the seeded per-batch domain draw.
#include "data/domain_mixing.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.h"
#include "common/splitmix64.h"

namespace moe::data {

const char* to_string(MixingPolicy policy) {
  switch (policy) {
    case MixingPolicy::kProportional:
      return "proportional";
    case MixingPolicy::kUniform:
      return "uniform";
    case MixingPolicy::kTemperature:
      return "temperature";
    case MixingPolicy::kBalanced:
      return "balanced";
  }
  return "?";
}

MixingPolicy parse_mixing_policy(const std::string& name) {
  for (MixingPolicy policy : {MixingPolicy::kProportional, MixingPolicy::kUniform,
                              MixingPolicy::kTemperature, MixingPolicy::kBalanced}) {
    if (name == to_string(policy)) return policy;
  }
  throw Error(cat("unknown domain mixing policy '", name,
                  "'; choose proportional, uniform, temperature or balanced"));
}

std::vector<double> domain_probabilities(const std::vector<int64_t>& counts, MixingPolicy policy,
                                         double temperature) {
  MOE_REQUIRE(std::isfinite(temperature) && temperature > 0.0, "domain mixing: temperature ",
              temperature, " must be a positive number");
  std::vector<double> weights(counts.size(), 0.0);
  double total = 0.0;
  for (size_t d = 0; d < counts.size(); ++d) {
    MOE_REQUIRE(counts[d] >= 0, "domain mixing: domain ", d, " has ", counts[d], " pairs");
    if (counts[d] == 0) continue;
    const double n = static_cast<double>(counts[d]);
    switch (policy) {
      case MixingPolicy::kProportional:
        weights[d] = n;
        break;
      case MixingPolicy::kUniform:
      case MixingPolicy::kBalanced:
        weights[d] = 1.0;
        break;
      case MixingPolicy::kTemperature:
        weights[d] = std::pow(n, 1.0 / temperature);
        break;
    }
    total += weights[d];
  }
  MOE_REQUIRE(total > 0.0, "domain mixing: no domain has any pairs");
  for (double& weight : weights) weight /= total;
  return weights;
}

std::vector<int32_t> draw_batch_domains(const std::vector<double>& probabilities, uint64_t seed,
                                        int64_t step, int64_t batch_size) {
  MOE_REQUIRE(!probabilities.empty(), "domain mixing: no domains");
  // Cumulative bounds; the last domain with a non-zero probability closes the interval so that
  // rounding in the sum can never select a domain of probability 0.
  std::vector<double> upper(probabilities.size());
  double sum = 0.0;
  size_t last = 0;
  for (size_t d = 0; d < probabilities.size(); ++d) {
    sum += probabilities[d];
    upper[d] = sum;
    if (probabilities[d] > 0.0) last = d;
  }
  upper[last] = 2.0;
  for (size_t d = last + 1; d < upper.size(); ++d) upper[d] = 2.0;

  SplitMix64 random(derive_seed(seed, static_cast<uint64_t>(step)));
  std::vector<int32_t> domains(static_cast<size_t>(batch_size));
  for (int32_t& domain : domains) {
    const double u = random.uniform();  // [0, 1)
    size_t d = 0;
    while (!(u < upper[d]) || probabilities[d] <= 0.0) ++d;
    domain = static_cast<int32_t>(d);
  }
  return domains;
}

std::vector<int32_t> stratified_batch_domains(const std::vector<double>& probabilities,
                                              uint64_t seed, int64_t step, int64_t batch_size) {
  MOE_REQUIRE(!probabilities.empty(), "domain mixing: no domains");
  SplitMix64 random(derive_seed(seed, static_cast<uint64_t>(step)));
  const auto batch = static_cast<double>(batch_size);
  std::vector<int64_t> counts(probabilities.size());
  std::vector<double> remainders(probabilities.size());
  std::vector<uint64_t> tie_order(probabilities.size());
  std::vector<size_t> candidates;
  int64_t placed = 0;
  for (size_t d = 0; d < probabilities.size(); ++d) {
    const double expected = batch * probabilities[d];
    counts[d] = static_cast<int64_t>(std::floor(expected));
    remainders[d] = expected - static_cast<double>(counts[d]);
    tie_order[d] = random.next();
    placed += counts[d];
    if (probabilities[d] > 0.0) candidates.push_back(d);
  }
  MOE_REQUIRE(!candidates.empty(), "domain mixing: no domain has a probability above 0");
  std::sort(candidates.begin(), candidates.end(), [&](size_t a, size_t b) {
    return remainders[a] != remainders[b] ? remainders[a] > remainders[b]
                                          : tie_order[a] < tie_order[b];
  });
  // Rounding in the probabilities' sum can leave more than one position per domain.
  for (size_t i = 0; placed < batch_size; ++i, ++placed)
    ++counts[candidates[i % candidates.size()]];

  std::vector<int32_t> domains;
  domains.reserve(static_cast<size_t>(batch_size));
  for (size_t d = 0; d < counts.size(); ++d)
    domains.insert(domains.end(), static_cast<size_t>(counts[d]), static_cast<int32_t>(d));
  for (size_t i = domains.size(); i > 1; --i)  // Fisher-Yates
    std::swap(domains[i - 1], domains[random.next() % i]);
  return domains;
}

std::vector<int32_t> batch_domains(MixingPolicy policy, const std::vector<double>& probabilities,
                                   uint64_t seed, int64_t step, int64_t batch_size) {
  return policy == MixingPolicy::kBalanced
             ? stratified_batch_domains(probabilities, seed, step, batch_size)
             : draw_batch_domains(probabilities, seed, step, batch_size);
}

}  // namespace moe::data
