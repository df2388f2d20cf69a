// Checks the domain mixing policies: probabilities per policy, names, and the seeded
// per-batch domain draw (deterministic, proportions within a statistical bound).
#include "data/domain_mixing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "common/error.h"
#include "support/expect_error.h"  // error_of, EXPECT_MENTIONS

using moe::data::domain_probabilities;
using moe::data::draw_batch_domains;
using moe::data::MixingPolicy;
using moe::data::parse_mixing_policy;
using moe::testing_support::error_of;

TEST(DomainMixing, ProbabilitiesPerPolicy) {
  const std::vector<int64_t> counts{100, 0, 400, 25};
  const auto proportional = domain_probabilities(counts, MixingPolicy::kProportional, 2.0);
  EXPECT_DOUBLE_EQ(proportional[0], 100.0 / 525.0);
  EXPECT_DOUBLE_EQ(proportional[1], 0.0);
  const auto uniform = domain_probabilities(counts, MixingPolicy::kUniform, 2.0);
  EXPECT_DOUBLE_EQ(uniform[0], 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(uniform[1], 0.0);  // no pairs: never drawn
  const auto temperature = domain_probabilities(counts, MixingPolicy::kTemperature, 2.0);
  EXPECT_NEAR(temperature[0], 10.0 / 35.0, 1e-12);
  EXPECT_NEAR(temperature[2], 20.0 / 35.0, 1e-12);
  EXPECT_NEAR(temperature[3], 5.0 / 35.0, 1e-12);
  const auto t1 = domain_probabilities(counts, MixingPolicy::kTemperature, 1.0);
  for (size_t d = 0; d < counts.size(); ++d) EXPECT_NEAR(t1[d], proportional[d], 1e-12);

  EXPECT_MENTIONS(error_of([] {
                    domain_probabilities({0, 0}, MixingPolicy::kUniform, 1.0);
                  }),
                  "no domain has any pairs");
  EXPECT_MENTIONS(error_of([] { domain_probabilities({1}, MixingPolicy::kTemperature, -1.0); }),
                  "temperature");
}

TEST(DomainMixing, NamesRoundTrip) {
  for (MixingPolicy policy :
       {MixingPolicy::kProportional, MixingPolicy::kUniform, MixingPolicy::kTemperature})
    EXPECT_EQ(parse_mixing_policy(to_string(policy)), policy);
  EXPECT_MENTIONS(error_of([] { parse_mixing_policy("random"); }), "proportional, uniform");
}

TEST(DomainMixing, DrawsAreSeededAndFollowTheProbabilities) {
  const std::vector<double> p{0.5, 0.0, 0.3, 0.2};
  EXPECT_EQ(draw_batch_domains(p, 4, 17, 64), draw_batch_domains(p, 4, 17, 64));
  EXPECT_NE(draw_batch_domains(p, 4, 17, 64), draw_batch_domains(p, 4, 18, 64));
  EXPECT_NE(draw_batch_domains(p, 4, 17, 64), draw_batch_domains(p, 5, 17, 64));

  std::vector<int64_t> counts(p.size(), 0);
  const int steps = 1000, batch = 100;  // 100000 draws: sd of a share <= 0.0016
  for (int step = 0; step < steps; ++step)
    for (int32_t d : draw_batch_domains(p, 4, step, batch)) ++counts[static_cast<size_t>(d)];
  for (size_t d = 0; d < p.size(); ++d)
    EXPECT_NEAR(counts[d] / double(steps * batch), p[d], 0.01) << "domain " << d;
  EXPECT_EQ(counts[1], 0);
}

TEST(DomainMixing, ADomainOfProbabilityZeroIsNeverDrawnEvenAtTheEnd) {
  // Rounding in the cumulative sum must not select the trailing empty domain.
  const std::vector<double> p{0.1, 0.2, 0.7, 0.0};
  for (int step = 0; step < 200; ++step)
    for (int32_t d : draw_batch_domains(p, 9, step, 50)) EXPECT_NE(d, 3);
}
