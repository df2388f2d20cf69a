// Implementation of contrastive_forward_backward (see contrastive_step.h).
#include "train/contrastive_step.h"

#include <algorithm>
#include <chrono>

#include "common/error.h"
#include "dist/differentiable_collectives.h"
#include "dist/gradient_sync.h"
#include "train/autocast_scope.h"
#include "train/example_exchange.h"
#include "train/random_state.h"
#include "train/token_batch.h"

namespace moe::train {
namespace {

// One batch of pairs through the encoder: sequences [0, m) are the anchors, [m, 2m) their
// positives.
struct EncodedPairs {
  torch::Tensor sentence;  // [2m, H]
  bool has_router = false;
  torch::Tensor router_sum;      // router cross-entropy summed over the 2m sequences
  torch::Tensor router_correct;  // sequences routed to their own domain (float)

  torch::Tensor anchors() const { return sentence.slice(0, 0, sentence.size(0) / 2); }
  torch::Tensor positives() const { return sentence.slice(0, sentence.size(0) / 2); }
};

EncodedPairs encode_pairs(ExpertParallelModel& model, const std::vector<data::TokenPair>& local,
                          int64_t begin, int64_t end, const ContrastiveStepOptions& options) {
  std::vector<const std::vector<int32_t>*> sequences;
  std::vector<int64_t> domains;
  sequences.reserve(2 * (end - begin));
  domains.reserve(2 * (end - begin));
  for (int64_t i = begin; i < end; ++i) sequences.push_back(&local[i].a);
  for (int64_t i = begin; i < end; ++i) sequences.push_back(&local[i].b);
  for (int side = 0; side < 2; ++side)
    for (int64_t i = begin; i < end; ++i) domains.push_back(local[i].domain);
  const TokenBatch batch = pad_sequences(sequences, options.pad_id).to(model.device());
  const torch::Tensor domain_ids = torch::tensor(domains, torch::kInt64).to(model.device());
  model::EncoderOutput encoded;
  {
    const AutocastScope autocast(model.device(), options.bf16_autocast);
    encoded = model.encoder()->encode(batch.input_ids, batch.attention_mask, domain_ids);
  }
  // The loss and the router's cross-entropy in float32, whatever the forward ran in.
  if (encoded.router_logits.defined())
    encoded.router_logits = encoded.router_logits.to(torch::kFloat32);

  EncodedPairs result;
  result.sentence = encoded.sentence.to(torch::kFloat32);
  result.has_router = encoded.router_logits.defined();
  if (result.has_router) {
    result.router_sum = torch::nn::functional::cross_entropy(
        encoded.router_logits, domain_ids,
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    result.router_correct =
        (encoded.router_logits.argmax(1) == domain_ids).sum().to(torch::kFloat32);
  } else {
    const auto on_device = torch::TensorOptions(torch::kFloat32).device(model.device());
    result.router_sum = torch::zeros({}, on_device);
    result.router_correct = torch::zeros({}, on_device);
  }
  return result;
}

// Adds the time since the previous lap to a phase's total.
class PhaseClock {
 public:
  void lap(double& phase) {
    const auto now = std::chrono::steady_clock::now();
    phase += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// This rank's share of the loss over the global batch (its pairs against every rank's):
// gathers what the loss needs, with gradient. Collective over `world`.
torch::Tensor global_loss_sum(dist::Communicator& world, const torch::Tensor& anchors,
                              const torch::Tensor& positives, const torch::Tensor& pair_domains,
                              int64_t offset, const ContrastiveStepOptions& options,
                              const LossOptions& loss) {
  PairEmbeddings pairs;
  pairs.anchors = anchors;
  pairs.positives = positives;
  pairs.offset = offset;
  // The gathers' backward returns each rank's share of the gradient, so even a rank with no
  // pairs takes part (no hang).
  pairs.all_positives = dist::all_gather_rows_with_grad(world, positives);
  if (needs_all_anchors(loss.kind))
    pairs.all_anchors = dist::all_gather_rows_with_grad(world, anchors);
  if (options.same_domain_negatives) {
    pairs.domains = pair_domains;
    pairs.all_domains = world.all_gather_rows(pair_domains.reshape({-1, 1})).reshape({-1});
  }
  return contrastive_loss_sum(pairs, loss);
}

// The chunks of pairs this rank embeds: [begin(c), end(c)) for c < count (some may be empty).
struct Chunks {
  int64_t pairs = 0;  // this rank's pairs
  int64_t size = 0;   // pairs per chunk
  int64_t count = 0;
  int64_t begin(int64_t c) const { return std::min(c * size, pairs); }
  int64_t end(int64_t c) const { return std::min((c + 1) * size, pairs); }
};

// Plain step: one chunk of every local pair. GradCache: chunks of mini_batch_size pairs;
// under layer dispatch the forward holds collectives, so every rank runs as many chunks as
// the rank with the most pairs (at least one, which also gives an empty rank the
// embedding width).
Chunks plan_chunks(const ExpertParallelModel& model, const std::vector<int64_t>& counts,
                   int64_t pairs, int64_t mini_batch_size) {
  Chunks chunks;
  chunks.pairs = pairs;
  if (mini_batch_size <= 0) {
    chunks.size = std::max<int64_t>(pairs, 1);
    chunks.count = 1;
    return chunks;
  }
  const int64_t rows =
      model.layer_dispatch() ? *std::max_element(counts.begin(), counts.end()) : pairs;
  chunks.size = mini_batch_size;
  chunks.count = std::max<int64_t>(1, (rows + mini_batch_size - 1) / mini_batch_size);
  return chunks;
}

// Every chunk's embeddings in this rank's pair order, and the router's totals. With
// `states`, each chunk's random state before its forward is kept there.
struct ChunkEmbeddings {
  torch::Tensor anchors, positives;  // [n, H]
  bool has_router = false;
  torch::Tensor router_sum, router_correct;
};

ChunkEmbeddings embed_chunks(ExpertParallelModel& model, const std::vector<data::TokenPair>& local,
                             const Chunks& chunks, const ContrastiveStepOptions& options,
                             std::vector<RandomState>* states = nullptr) {
  std::vector<torch::Tensor> anchors, positives;
  ChunkEmbeddings result;
  for (int64_t c = 0; c < chunks.count; ++c) {
    if (states != nullptr) states->push_back(RandomState::capture(model.device()));
    const EncodedPairs encoded =
        encode_pairs(model, local, chunks.begin(c), chunks.end(c), options);
    anchors.push_back(encoded.anchors());
    positives.push_back(encoded.positives());
    result.has_router = encoded.has_router;
    result.router_sum = c == 0 ? encoded.router_sum : result.router_sum + encoded.router_sum;
    result.router_correct =
        c == 0 ? encoded.router_correct : result.router_correct + encoded.router_correct;
  }
  result.anchors = torch::cat(anchors);
  result.positives = torch::cat(positives);
  return result;
}

// What a step reports: this rank's loss sum and router totals.
struct StepTotals {
  torch::Tensor loss_sum, router_sum, router_correct;
};

// Every chunk's graph is kept until one backward of the whole objective (the plain step:
// one chunk).
StepTotals backward_with_graphs(ExpertParallelModel& model, dist::Communicator& world,
                                const std::vector<data::TokenPair>& local, const Chunks& chunks,
                                const torch::Tensor& pair_domains, int64_t offset,
                                const ContrastiveStepOptions& options, const LossOptions& loss,
                                StepPhaseSeconds& phases) {
  PhaseClock clock;
  const ChunkEmbeddings embedded = embed_chunks(model, local, chunks, options);
  clock.lap(phases.forward);
  const torch::Tensor loss_sum = global_loss_sum(world, embedded.anchors, embedded.positives,
                                                 pair_domains, offset, options, loss);
  // Local loss over the GLOBAL batch size: summed gradients are those of the mean loss.
  const double global = static_cast<double>(options.global_batch_size);
  torch::Tensor objective = loss_sum / global;
  if (embedded.has_router)
    objective = objective + options.router_loss_weight * embedded.router_sum / (2.0 * global);
  clock.lap(phases.loss);
  objective.backward();
  clock.lap(phases.backward);
  return {loss_sum, embedded.router_sum, embedded.router_correct};
}

// GradCache: chunks without graph, the loss's gradient cached at the embeddings, then each
// chunk again with graph and its random state, back-propagating its cached gradient.
StepTotals backward_with_grad_cache(ExpertParallelModel& model, dist::Communicator& world,
                                    const std::vector<data::TokenPair>& local, const Chunks& chunks,
                                    const torch::Tensor& pair_domains, int64_t offset,
                                    const ContrastiveStepOptions& options, const LossOptions& loss,
                                    StepPhaseSeconds& phases) {
  PhaseClock clock;
  std::vector<RandomState> states;
  ChunkEmbeddings embedded;
  {
    torch::NoGradGuard no_grad;
    embedded = embed_chunks(model, local, chunks, options, &states);
  }
  clock.lap(phases.forward);
  const torch::Tensor anchors = embedded.anchors.requires_grad_(true);
  const torch::Tensor positives = embedded.positives.requires_grad_(true);
  const torch::Tensor loss_sum =
      global_loss_sum(world, anchors, positives, pair_domains, offset, options, loss);
  const double global = static_cast<double>(options.global_batch_size);
  (loss_sum / global).backward();
  const torch::Tensor anchor_grad =
      anchors.grad().defined() ? anchors.grad() : torch::zeros_like(anchors);
  const torch::Tensor positive_grad =
      positives.grad().defined() ? positives.grad() : torch::zeros_like(positives);
  clock.lap(phases.loss);

  for (int64_t c = 0; c < chunks.count; ++c) {
    states[c].restore();
    const int64_t begin = chunks.begin(c), end = chunks.end(c);
    const EncodedPairs encoded = encode_pairs(model, local, begin, end, options);
    std::vector<torch::Tensor> roots, grads;
    if (encoded.sentence.requires_grad()) {
      roots.push_back(encoded.sentence);
      grads.push_back(
          torch::cat({anchor_grad.slice(0, begin, end), positive_grad.slice(0, begin, end)}));
    }
    if (encoded.has_router && encoded.router_sum.requires_grad()) {
      roots.push_back(options.router_loss_weight * encoded.router_sum / (2.0 * global));
      grads.push_back(torch::ones_like(roots.back()));
    }
    if (!roots.empty()) torch::autograd::backward(roots, grads);
  }
  clock.lap(phases.backward);
  return {loss_sum, embedded.router_sum, embedded.router_correct};
}

}  // namespace

ContrastiveStepResult contrastive_forward_backward(ExpertParallelModel& model,
                                                   dist::Communicator& world,
                                                   const std::vector<data::TokenPair>& sampled,
                                                   const ContrastiveStepOptions& options,
                                                   int64_t& dispatch_turn) {
  MOE_REQUIRE(options.global_batch_size > 0, "contrastive step: global_batch_size must be > 0");
  MOE_REQUIRE(options.mini_batch_size >= 0, "contrastive step: mini_batch_size must be >= 0");
  ContrastiveStepResult result;
  PhaseClock clock;
  // 1. Each example goes to a rank holding its expert (data dispatch).
  std::vector<int> destinations;
  destinations.reserve(sampled.size());
  for (const data::TokenPair& pair : sampled)
    destinations.push_back(model.destination_rank(pair.domain, dispatch_turn++));
  const std::vector<data::TokenPair> local = exchange_examples(world, sampled, destinations);

  // 2. Where this rank's pairs sit in the global batch, and their domains.
  const int64_t n = static_cast<int64_t>(local.size());
  const std::vector<int64_t> counts = world.all_gather_value(n);
  int64_t offset = 0;
  for (int r = 0; r < world.rank(); ++r) offset += counts[r];
  std::vector<int64_t> domains;
  domains.reserve(n);
  for (const auto& pair : local) domains.push_back(pair.domain);
  const torch::Tensor pair_domains = torch::tensor(domains, torch::kInt64).to(model.device());
  clock.lap(result.phases.exchange);

  // 3. Embed, score against every rank's pairs, back-propagate.
  LossOptions loss;
  loss.kind = options.loss;
  loss.scale = options.scale;
  loss.log_scale = options.loss_parameters.log_scale;
  const Chunks chunks = plan_chunks(model, counts, n, options.mini_batch_size);
  const StepTotals step = options.mini_batch_size > 0 && !options.keep_chunk_graphs
                              ? backward_with_grad_cache(model, world, local, chunks, pair_domains,
                                                         offset, options, loss, result.phases)
                              : backward_with_graphs(model, world, local, chunks, pair_domains,
                                                     offset, options, loss, result.phases);
  clock = PhaseClock();
  // The learned scale is shared by every rank, like the shared parameters.
  if (loss.log_scale.defined()) dist::sum_gradients(world, {loss.log_scale});
  model.synchronize_gradients();
  clock.lap(result.phases.gradient_sync);

  const double global = static_cast<double>(options.global_batch_size);
  torch::Tensor totals = torch::stack({step.loss_sum.detach().to(torch::kFloat64),
                                       step.router_sum.detach().to(torch::kFloat64),
                                       step.router_correct.to(torch::kFloat64)});
  world.all_reduce_sum(totals);
  result.loss = totals[0].item<double>() / global;
  result.local_pairs = n;
  result.router_loss = totals[1].item<double>() / (2.0 * global);
  result.router_accuracy = totals[2].item<double>() / (2.0 * global);
  result.scale = logit_scale(loss).item<double>();
  return result;
}

}  // namespace moe::train
