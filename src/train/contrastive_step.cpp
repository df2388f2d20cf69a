// Implementation of contrastive_forward_backward (see contrastive_step.h).
#include "train/contrastive_step.h"

#include "dist/differentiable_collectives.h"
#include "train/example_exchange.h"
#include "train/mnr_loss.h"
#include "train/token_batch.h"

namespace moe::train {

ContrastiveStepResult contrastive_forward_backward(ExpertParallelModel& model,
                                                   dist::Communicator& world,
                                                   const std::vector<data::TokenPair>& sampled,
                                                   const ContrastiveStepOptions& options,
                                                   int64_t& dispatch_turn) {
  // 1. Each example goes to a rank holding its expert (data dispatch).
  std::vector<int> destinations;
  destinations.reserve(sampled.size());
  for (const data::TokenPair& pair : sampled)
    destinations.push_back(model.destination_rank(pair.domain, dispatch_turn++));
  const std::vector<data::TokenPair> local = exchange_examples(world, sampled, destinations);

  // 2. Both sides in one forward pass: rows [0, n) are anchors, [n, 2n) their positives.
  const int64_t n = static_cast<int64_t>(local.size());
  std::vector<const std::vector<int32_t>*> sequences;
  std::vector<int32_t> domains;
  sequences.reserve(2 * n);
  domains.reserve(2 * n);
  for (const auto& pair : local) sequences.push_back(&pair.a);
  for (const auto& pair : local) sequences.push_back(&pair.b);
  for (int side = 0; side < 2; ++side)
    for (const auto& pair : local) domains.push_back(pair.domain);
  const TokenBatch batch = pad_sequences(sequences, options.pad_id);
  torch::Tensor embeddings =
      model.encoder()->embed(batch.input_ids, batch.attention_mask, model.expert_slots(domains));
  torch::Tensor anchors = embeddings.slice(0, 0, n);
  torch::Tensor positives = embeddings.slice(0, n, 2 * n);

  // 3. Every anchor against the positives of all ranks; the gather's backward returns each
  //    rank's share of the gradient, so even a rank with no pairs takes part (no hang).
  torch::Tensor candidates = dist::all_gather_rows_with_grad(world, positives);
  const std::vector<int64_t> counts = world.all_gather_value(n);
  int64_t offset = 0;
  for (int r = 0; r < world.rank(); ++r) offset += counts[r];
  torch::Tensor targets = torch::arange(offset, offset + n, torch::kInt64);
  torch::Tensor loss_sum = mnr_loss_sum(anchors, candidates, targets, options.scale);

  // 4. Local loss over the GLOBAL batch size: summed gradients are those of the mean loss.
  (loss_sum / static_cast<double>(options.global_batch_size)).backward();
  model.synchronize_gradients();

  torch::Tensor total = loss_sum.detach().to(torch::kFloat64).reshape({1});
  world.all_reduce_sum(total);
  return {total.item<double>() / static_cast<double>(options.global_batch_size), n};
}

}  // namespace moe::train
