// This rank's share of the model in an expert-parallel job: the shared parameters
// (replicated on every rank) plus the experts the placement gives this rank, the routes of
// examples to ranks, gradient synchronisation, global gradient clipping, and gathering a
// full checkpoint (every expert) onto rank 0.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "dist/communicator.h"
#include "dist/expert_placement.h"
#include "model/bert_encoder.h"
#include "model/checkpoint_file.h"

namespace moe::train {

class ExpertParallelModel {
 public:
  // domains: every domain of the job (index = domain id). mixture_of_experts: one expert
  // per domain placed over the ranks; otherwise one dense model replicated on every rank.
  ExpertParallelModel(const model::BertConfig& config, std::vector<std::string> domains,
                      bool mixture_of_experts, dist::Communicator& world, uint64_t seed);

  model::BertEncoder& encoder() { return encoder_; }
  const dist::ExpertPlacement& placement() const { return placement_; }
  const std::vector<std::string>& domains() const { return domains_; }
  bool mixture_of_experts() const { return mixture_of_experts_; }

  // The rank that trains an example of `domain`. Examples already on a rank holding their
  // expert stay; others go to the expert's replicas in turn (`turn` spreads them).
  int destination_rank(int32_t domain, int64_t turn) const;
  // The rank that evaluates `domain` (the expert's first replica; dense: round-robin).
  int evaluation_rank(int32_t domain) const;
  // Whether this rank can run examples of `domain`.
  bool holds(int32_t domain) const;
  // Expert slot of each example for the encoder's forward (0 for a dense model).
  torch::Tensor expert_slots(const std::vector<int32_t>& domains) const;

  std::vector<torch::Tensor> shared_parameters() const;
  std::vector<torch::Tensor> expert_parameters() const;

  // Shared gradients summed over all ranks, expert gradients over their replica group.
  // Collective over the world.
  void synchronize_gradients();
  // Global L2 norm of all gradients (each expert counted once), then scaled down to
  // max_norm when larger (max_norm <= 0: measure only). Returns the norm before clipping.
  double clip_gradients(double max_norm);

  // Collective: every expert's parameters travel to rank 0, which returns the complete
  // checkpoint; other ranks return contents without parameters.
  model::CheckpointContents gather_checkpoint() const;

  // Time and bytes of every collective this model's ranks issued: the world's (dispatch,
  // gather, shared gradients) plus the replica group's (expert gradients).
  dist::CommunicationStats communication_stats() const;
  void reset_communication_stats();

 private:
  model::BertConfig config_;
  std::vector<std::string> domains_;
  bool mixture_of_experts_;
  dist::Communicator& world_;
  dist::ExpertPlacement placement_;
  std::vector<int> local_experts_;                     // expert ids held here
  std::unique_ptr<dist::Communicator> replica_group_;  // ranks holding the same experts
  model::BertEncoder encoder_{nullptr};
};

}  // namespace moe::train
