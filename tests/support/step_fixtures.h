// What the multi-rank step tests share: a seeded global batch of token pairs, domain names,
// and every gradient of a model keyed by checkpoint name.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "data/pair_shard.h"
#include "model/parameter_names.h"
#include "train/expert_parallel_model.h"

namespace moe::testing_support {

// `count` pairs, the same on every rank: varied lengths 3..11 (so padding matters), token
// ids 5..49 after a [CLS]-like 2, domains from `domain_of`.
inline std::vector<data::TokenPair> seeded_pair_batch(
    int64_t count, const std::function<int32_t(int64_t)>& domain_of) {
  std::mt19937_64 random(42);
  std::vector<data::TokenPair> batch;
  for (int64_t i = 0; i < count; ++i) {
    data::TokenPair pair;
    for (auto* side : {&pair.a, &pair.b}) {
      const int64_t length = 3 + static_cast<int64_t>(random() % 9);
      side->push_back(2);
      for (int64_t t = 1; t < length; ++t) side->push_back(5 + static_cast<int32_t>(random() % 45));
    }
    pair.label = 1.0f;
    pair.domain = domain_of(i);
    batch.push_back(std::move(pair));
  }
  return batch;
}

// "domain0", "domain1", ...
inline std::vector<std::string> domain_names(int count) {
  std::vector<std::string> names;
  for (int d = 0; d < count; ++d) names.push_back("domain" + std::to_string(d));
  return names;
}

// Gradients keyed by (expert, Hugging Face name); a parameter without one counts as zero.
using GradientMap = std::map<std::pair<std::string, std::string>, torch::Tensor>;

inline GradientMap gradients_of(train::ExpertParallelModel& model) {
  GradientMap result;
  for (const auto& item : model.encoder()->named_parameters()) {
    const auto name = model::checkpoint_name(item.key());
    const torch::Tensor& grad = item.value().grad();
    result[{name.expert, name.name}] =
        grad.defined() ? grad.clone() : torch::zeros_like(item.value());
  }
  return result;
}

}  // namespace moe::testing_support
