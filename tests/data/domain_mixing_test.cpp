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
using moe::data::stratified_batch_domains;
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
  for (MixingPolicy policy : {MixingPolicy::kProportional, MixingPolicy::kUniform,
                              MixingPolicy::kTemperature, MixingPolicy::kBalanced})
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

TEST(DomainMixing, StratifiedBatchesHoldTheExpectedCountsInSeededPositions) {
  const std::vector<double> p{0.5, 0.0, 0.3, 0.2};
  EXPECT_EQ(stratified_batch_domains(p, 4, 17, 64), stratified_batch_domains(p, 4, 17, 64));
  EXPECT_NE(stratified_batch_domains(p, 4, 17, 64), stratified_batch_domains(p, 4, 18, 64));
  // 64 x (0.5, 0, 0.3, 0.2) = (32, 0, 19.2, 12.8): 19 + 13 after the largest remainder.
  for (int step = 0; step < 20; ++step) {
    const std::vector<int32_t> domains = stratified_batch_domains(p, 4, step, 64);
    ASSERT_EQ(domains.size(), 64u);
    std::vector<int64_t> counts(p.size(), 0);
    for (int32_t d : domains) ++counts[static_cast<size_t>(d)];
    EXPECT_EQ(counts, (std::vector<int64_t>{32, 0, 19, 13})) << "step " << step;
  }
  // Equal shares that do not divide the batch: one domain gets the extra position, and which
  // one changes from step to step; a batch smaller than the domains leaves some out.
  const std::vector<double> thirds{1.0 / 3, 1.0 / 3, 1.0 / 3};
  std::vector<int64_t> extra(3, 0);
  for (int step = 0; step < 60; ++step) {
    std::vector<int64_t> counts(3, 0);
    for (int32_t d : stratified_batch_domains(thirds, 2, step, 7)) ++counts[static_cast<size_t>(d)];
    for (size_t d = 0; d < 3; ++d) {
      EXPECT_TRUE(counts[d] == 2 || counts[d] == 3) << "step " << step;
      if (counts[d] == 3) ++extra[d];
    }
  }
  for (size_t d = 0; d < 3; ++d) EXPECT_GT(extra[d], 5) << "domain " << d;
  EXPECT_EQ(stratified_batch_domains(thirds, 2, 0, 1).size(), 1u);
  // The positions are shuffled: the first domain does not always come first.
  bool first_domain_leads_always = true;
  for (int step = 0; step < 10; ++step)
    first_domain_leads_always &= stratified_batch_domains(p, 4, step, 64)[0] == 0 &&
                                 stratified_batch_domains(p, 4, step, 64)[31] == 0;
  EXPECT_FALSE(first_domain_leads_always);
}
