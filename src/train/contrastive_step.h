// The distributed part of one training step, shared by the trainer and the invariance
// tests: dispatch this rank's sampled examples to their experts, embed both sides, score
// every local anchor against the positives of all ranks (MNR loss), back-propagate and
// synchronise gradients. The optimizer update stays with the caller.
#pragma once

#include <cstdint>
#include <vector>

#include "data/pair_shard.h"
#include "dist/communicator.h"
#include "train/expert_parallel_model.h"

namespace moe::train {

struct ContrastiveStepOptions {
  int64_t global_batch_size = 0;  // the loss is the mean over this many pairs
  double scale = 20.0;            // MNR cosine scale
  // Negatives of an anchor: every pair of the global batch, or only its domain's pairs.
  bool same_domain_negatives = false;
  int32_t pad_id = 0;
  // Weight of the router's cross-entropy (mean over the global batch's sequences) added to
  // the MNR loss; used only when the model has a router.
  double router_loss_weight = 1.0;
};

struct ContrastiveStepResult {
  double loss = 0.0;        // global mean loss (identical on every rank)
  int64_t local_pairs = 0;  // pairs this rank embedded after dispatch
  // With a router (else 0): its mean cross-entropy and accuracy over the global batch's
  // sequences (both sides of every pair), identical on every rank.
  double router_loss = 0.0;
  double router_accuracy = 0.0;
};

// Collective over `world`. Gradients accumulate into the parameters' .grad (zero them
// first). `dispatch_turn` spreads examples over an expert's replicas; it advances.
ContrastiveStepResult contrastive_forward_backward(ExpertParallelModel& model,
                                                   dist::Communicator& world,
                                                   const std::vector<data::TokenPair>& sampled,
                                                   const ContrastiveStepOptions& options,
                                                   int64_t& dispatch_turn);

}  // namespace moe::train
