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
  const torch::Tensor domain_ids =
      torch::tensor(std::vector<int64_t>(domains.begin(), domains.end()), torch::kInt64);
  const model::EncoderOutput encoded =
      model.encoder()->encode(batch.input_ids, batch.attention_mask, domain_ids);
  const torch::Tensor& embeddings = encoded.sentence;
  torch::Tensor anchors = embeddings.slice(0, 0, n);
  torch::Tensor positives = embeddings.slice(0, n, 2 * n);

  // 3. Every anchor against the positives of all ranks; the gather's backward returns each
  //    rank's share of the gradient, so even a rank with no pairs takes part (no hang).
  torch::Tensor candidates = dist::all_gather_rows_with_grad(world, positives);
  const std::vector<int64_t> counts = world.all_gather_value(n);
  int64_t offset = 0;
  for (int r = 0; r < world.rank(); ++r) offset += counts[r];
  torch::Tensor targets = torch::arange(offset, offset + n, torch::kInt64);
  torch::Tensor anchor_domains, candidate_domains;
  if (options.same_domain_negatives) {
    anchor_domains = domain_ids.slice(0, 0, n);
    candidate_domains = world.all_gather_rows(anchor_domains.reshape({-1, 1})).reshape({-1});
  }
  torch::Tensor loss_sum =
      mnr_loss_sum(anchors, candidates, targets, options.scale, anchor_domains, candidate_domains);

  // 4. Local loss over the GLOBAL batch size: summed gradients are those of the mean loss.
  const double global = static_cast<double>(options.global_batch_size);
  torch::Tensor objective = loss_sum / global;
  torch::Tensor router_sum = torch::zeros({}, torch::kFloat32);
  torch::Tensor router_correct = torch::zeros({}, torch::kFloat32);
  if (encoded.router_logits.defined()) {
    router_sum = torch::nn::functional::cross_entropy(
        encoded.router_logits, domain_ids,
        torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
    router_correct = (encoded.router_logits.argmax(1) == domain_ids).sum().to(torch::kFloat32);
    objective = objective + options.router_loss_weight * router_sum / (2.0 * global);
  }
  objective.backward();
  model.synchronize_gradients();

  torch::Tensor totals =
      torch::stack({loss_sum.detach().to(torch::kFloat64), router_sum.detach().to(torch::kFloat64),
                    router_correct.to(torch::kFloat64)});
  world.all_reduce_sum(totals);
  ContrastiveStepResult result;
  result.loss = totals[0].item<double>() / global;
  result.local_pairs = n;
  result.router_loss = totals[1].item<double>() / (2.0 * global);
  result.router_accuracy = totals[2].item<double>() / (2.0 * global);
  return result;
}

}  // namespace moe::train
