// Layer dispatch (dist.dispatch: layer): in every expert layer, each token's hidden state
// travels to a rank that holds its domain's expert, runs there, and travels back, with one
// variable-size all-to-all each way (counts exchanged first; no capacity limit, so no token
// is ever dropped). Both all-to-alls take part in autograd, so expert gradients accumulate on
// the expert's rank and the tokens' gradients return to their owners. Every rank calls
// dispatch() once per expert layer, also with no tokens, so no collective is left waiting.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <vector>

#include "dist/communicator.h"

namespace moe::model {

class ExpertDispatcher {
 public:
  // destination_of_domain[d]: the rank this rank's tokens of domain d go to (itself when it
  // holds d's expert, else the replica ExpertPlacement::serving_rank names).
  ExpertDispatcher(dist::Communicator& world, std::vector<int> destination_of_domain);

  // Runs the experts: tokens [N, hidden] with domains [N] (int64) -> outputs [N, hidden] in
  // the same order. `run_local(rows, domains)` computes this rank's experts on the rows it
  // received (every domain in `domains` is held here).
  using LocalExperts = std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>;
  torch::Tensor dispatch(const torch::Tensor& tokens, const torch::Tensor& domains,
                         const LocalExperts& run_local);

 private:
  // The rank each token goes to.
  torch::Tensor destinations(const torch::Tensor& domains) const;

  dist::Communicator& world_;
  std::vector<int64_t> destination_of_domain_;
};

}  // namespace moe::model
