// The distributed part of one training step, shared by the trainer and the invariance
// tests: dispatch this rank's sampled examples to their experts, embed both sides, score
// this rank's pairs against those of all ranks (contrastive_loss.h), back-propagate and
// synchronise gradients. The optimizer update stays with the caller.
//
// GradCache (Gao et al. 2021, mini_batch_size > 0): the global batch's loss with the memory
// of a mini batch. Chunks of mini_batch_size pairs are embedded without graph (each chunk's
// random state kept), the loss over the whole global batch is back-propagated to those
// embeddings only, then every chunk runs again with graph and the same dropout masks and
// back-propagates its cached embedding gradient (and its router loss). Gradients equal the
// plain step's with the same dropout masks; activations are held for one chunk at a time.
#pragma once

#include <cstdint>
#include <vector>

#include "data/pair_shard.h"
#include "dist/communicator.h"
#include "train/contrastive_loss.h"
#include "train/expert_parallel_model.h"

namespace moe::train {

struct ContrastiveStepOptions {
  int64_t global_batch_size = 0;  // the loss is the mean over this many pairs
  double scale = 20.0;            // cosine scale of kMnr and kMnrSymmetric
  // Negatives of an anchor: every pair of the global batch, or only its domain's pairs.
  bool same_domain_negatives = false;
  int32_t pad_id = 0;
  // Weight of the router's cross-entropy (mean over the global batch's sequences) added to
  // the contrastive loss; used only when the model has a router.
  double router_loss_weight = 1.0;
  LossKind loss = LossKind::kMnr;
  // Defined log_scale: the learned scale replaces `scale` (see LossParameters for what the
  // caller owes it); its gradient is summed over the world here. Undefined: fixed scale.
  LossParameters loss_parameters;
  // GradCache: pairs per chunk on each rank (0: one forward pass of all local pairs). Under
  // layer dispatch every rank runs as many chunks as the rank with the most pairs.
  int64_t mini_batch_size = 0;
  // With mini_batch_size > 0: keep every chunk's graph instead of caching gradients (the
  // same chunks and masks, none of the memory saving). A reference for tests of GradCache.
  bool keep_chunk_graphs = false;
  // bfloat16 autocast for the encoder's forward on CUDA (train.precision: bf16); the loss is
  // computed in float32. Ignored on the CPU.
  bool bf16_autocast = false;
};

// Wall-clock seconds of the step's phases on this rank (the CPU's; CUDA work is asynchronous
// and lands wherever the host next waits for it). Collectives are inside the phase that
// calls them; Communicator::stats() has their own total. Under GradCache "forward" is the
// pass without graph and "backward" the second forward with its backward.
struct StepPhaseSeconds {
  double exchange = 0.0;       // examples to their experts' ranks, pair counts
  double forward = 0.0;        // the encoder on both sides of every local pair
  double loss = 0.0;           // gathering embeddings, the loss (and GradCache's backward to them)
  double backward = 0.0;       // back-propagation through the encoder
  double gradient_sync = 0.0;  // summing shared and replica gradients over ranks

  double total() const { return exchange + forward + loss + backward + gradient_sync; }
  StepPhaseSeconds& operator+=(const StepPhaseSeconds& other) {
    exchange += other.exchange;
    forward += other.forward;
    loss += other.loss;
    backward += other.backward;
    gradient_sync += other.gradient_sync;
    return *this;
  }
};

struct ContrastiveStepResult {
  double loss = 0.0;        // global mean loss (identical on every rank)
  int64_t local_pairs = 0;  // pairs this rank embedded after dispatch
  // With a router (else 0): its mean cross-entropy and accuracy over the global batch's
  // sequences (both sides of every pair), identical on every rank.
  double router_loss = 0.0;
  double router_accuracy = 0.0;
  double scale = 0.0;  // the multiplier of the logits this step (learned or fixed)
  StepPhaseSeconds phases;
};

// Collective over `world`. Gradients accumulate into the parameters' .grad (zero them
// first). `dispatch_turn` spreads examples over an expert's replicas; it advances.
ContrastiveStepResult contrastive_forward_backward(ExpertParallelModel& model,
                                                   dist::Communicator& world,
                                                   const std::vector<data::TokenPair>& sampled,
                                                   const ContrastiveStepOptions& options,
                                                   int64_t& dispatch_turn);

}  // namespace moe::train
