// This rank's share of the model in an expert-parallel job: the shared parameters
// (replicated on every rank) plus the experts the placement gives this rank, the routes of
// examples to ranks, gradient synchronisation, global gradient clipping, and gathering a
// full checkpoint (every expert) onto rank 0.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "dist/communicator.h"
#include "dist/expert_placement.h"
#include "model/bert_encoder.h"
#include "model/checkpoint_file.h"
#include "model/parameter_names.h"

namespace moe::train {

class ExpertParallelModel {
 public:
  // layout.domains: every domain of the job (index = domain id). With expert layers, one
  // expert per domain is placed over the ranks (layout.local_domains is set here);
  // otherwise one dense model is replicated on every rank. Parameters start as
  // initialize_like_bert(seed) with domain tokens copied from cls_token_id.
  // layer_dispatch: examples stay on their rank and each expert layer sends tokens to the
  // experts' ranks (dist.dispatch: layer); otherwise examples travel (data dispatch).
  // device: where the parameters live (initialised on the CPU first, so a seed gives the
  // same start on every device); `world` must carry tensors of that device.
  ExpertParallelModel(const model::BertConfig& config, model::EncoderLayout layout,
                      dist::Communicator& world, uint64_t seed, int64_t cls_token_id,
                      bool layer_dispatch = false, torch::Device device = torch::kCPU);

  model::BertEncoder& encoder() { return encoder_; }
  const dist::ExpertPlacement& placement() const { return placement_; }
  const std::vector<std::string>& domains() const { return layout_.domains; }
  bool mixture_of_experts() const { return layout_.mixture_of_experts(); }
  bool layer_dispatch() const { return layer_dispatch_; }
  const torch::Device& device() const { return device_; }

  // The rank that trains an example of `domain`. Examples already on a rank holding their
  // expert stay, and so does every example under layer dispatch; others go to the expert's
  // replicas in turn (`turn` spreads them).
  int destination_rank(int32_t domain, int64_t turn) const;
  // The rank that evaluates `domain` (the expert's first replica; dense: round-robin).
  int evaluation_rank(int32_t domain) const;
  // Whether this rank can run examples of `domain`.
  bool holds(int32_t domain) const;
  // Trainable parameters (the pooler is not trained).
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

  // Tensors derived from one expert parameter, each named by a suffix ("" for the parameter
  // itself); the same suffixes and shapes for every parameter of the same name.
  using ExpertTensorsOf =
      std::function<std::vector<std::pair<std::string, torch::Tensor>>(const torch::Tensor&)>;
  // Collective: every expert's derived tensors (sent once, by its primary replica) on rank 0,
  // keyed domain -> "<parameter name>" or "<parameter name>/<suffix>"; empty elsewhere.
  std::map<std::string, model::NamedTensors> gather_expert_tensors(
      const ExpertTensorsOf& derive) const;
  // This rank's parameters by checkpoint name (expert empty for shared ones).
  std::vector<std::pair<model::CheckpointName, torch::Tensor>> named_parameters() const;

  // Time and bytes of every collective this model's ranks issued: the world's (dispatch,
  // gather, shared gradients) plus the replica group's (expert gradients).
  dist::CommunicationStats communication_stats() const;
  void reset_communication_stats();

 private:
  model::BertConfig config_;
  model::EncoderLayout layout_;
  bool layer_dispatch_;
  torch::Device device_;
  dist::Communicator& world_;
  dist::ExpertPlacement placement_;
  std::vector<int> local_experts_;                     // expert ids held here
  std::unique_ptr<dist::Communicator> replica_group_;  // ranks holding the same experts
  model::BertEncoder encoder_{nullptr};
};

}  // namespace moe::train
