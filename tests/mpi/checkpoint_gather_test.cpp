// gather_checkpoint collects every expert onto rank 0, whatever the placement: the
// contents equal those of one process holding every expert (no expert lost, none swapped).
#include <gtest/gtest.h>

#include <algorithm>

#include "dist/mpi_communicator.h"
#include "model/parameter_names.h"
#include "support/small_bert.h"  // expert_layout
#include "train/expert_parallel_model.h"

namespace {

using moe::train::ExpertParallelModel;

moe::model::BertConfig small_config() {
  moe::model::BertConfig c;
  c.vocab_size = 30;
  c.hidden_size = 8;
  c.num_layers = 2;
  c.num_heads = 2;
  c.intermediate_size = 12;
  c.max_position_embeddings = 8;
  return c;
}

// Experts start as identical copies; mark each with its domain index so a swapped or
// missing expert shows.
void mark_experts(ExpertParallelModel& model) {
  torch::NoGradGuard no_grad;
  for (auto& item : model.encoder()->named_parameters()) {
    const std::string expert = moe::model::checkpoint_name(item.key()).expert;
    if (expert.empty()) continue;
    const auto& domains = model.domains();
    const auto index = std::find(domains.begin(), domains.end(), expert) - domains.begin();
    item.value().add_(static_cast<double>(index + 1));
  }
}

TEST(CheckpointGather, EveryExpertArrivesOnRankZero) {
  auto world = moe::dist::MpiCommunicator::world();
  auto self = moe::dist::MpiCommunicator::self();
  for (int experts = 1; experts <= 4; ++experts) {
    if (world->size() % experts != 0 && experts % world->size() != 0) continue;
    SCOPED_TRACE("experts " + std::to_string(experts));
    std::vector<std::string> domains;
    for (int d = 0; d < experts; ++d) domains.push_back("d" + std::to_string(d));

    const moe::model::EncoderLayout layout =
        moe::testing_support::expert_layout(domains, small_config().num_layers);
    ExpertParallelModel distributed(small_config(), layout, *world, 5, -1);
    mark_experts(distributed);
    const auto gathered = distributed.gather_checkpoint();

    ExpertParallelModel reference(small_config(), layout, *self, 5, -1);
    mark_experts(reference);
    const auto expected = reference.gather_checkpoint();

    if (world->rank() != 0) {
      EXPECT_TRUE(gathered.shared.empty());
      continue;
    }
    ASSERT_EQ(gathered.experts.size(), static_cast<size_t>(experts));
    ASSERT_EQ(gathered.shared.size(), expected.shared.size());
    for (const auto& [name, tensor] : expected.shared)
      EXPECT_TRUE(torch::equal(gathered.shared.at(name), tensor)) << name;
    for (const auto& [domain, tensors] : expected.experts) {
      ASSERT_EQ(gathered.experts.at(domain).size(), tensors.size()) << domain;
      for (const auto& [name, tensor] : tensors)
        EXPECT_TRUE(torch::equal(gathered.experts.at(domain).at(name), tensor))
            << domain << "/" << name;
    }
  }
}

}  // namespace
