// Implementation of ExpertDispatcher (see expert_dispatch.h).
#include "model/expert_dispatch.h"

#include "common/error.h"
#include "dist/differentiable_collectives.h"

namespace moe::model {

ExpertDispatcher::ExpertDispatcher(dist::Communicator& world,
                                   std::vector<int> destination_of_domain)
    : world_(world),
      destination_of_domain_(destination_of_domain.begin(), destination_of_domain.end()) {
  for (size_t d = 0; d < destination_of_domain_.size(); ++d)
    MOE_REQUIRE(destination_of_domain_[d] >= 0 && destination_of_domain_[d] < world_.size(),
                "layer dispatch: no rank serves expert ", d);
}

torch::Tensor ExpertDispatcher::destinations(const torch::Tensor& domains) const {
  const std::vector<int64_t>& table = destination_of_domain_;
  const int64_t count = static_cast<int64_t>(table.size());
  MOE_REQUIRE(domains.numel() == 0 || !((domains < 0) | (domains >= count)).any().item<bool>(),
              "layer dispatch: a domain id is outside 0..", count - 1);
  return torch::tensor(table, torch::kInt64).to(domains.device()).index_select(0, domains);
}

torch::Tensor ExpertDispatcher::dispatch(const torch::Tensor& tokens, const torch::Tensor& domains,
                                         const LocalExperts& run_local) {
  const torch::Tensor destination = destinations(domains);
  // Tokens grouped by destination rank (stable, so the order inside a group is kept).
  const torch::Tensor order =
      std::get<1>(destination.sort(c10::optional<bool>(true), /*dim=*/0, /*descending=*/false));
  const torch::Tensor counts = torch::bincount(destination, {}, world_.size()).to(torch::kCPU);
  const std::vector<int64_t> send_rows(counts.data_ptr<int64_t>(),
                                       counts.data_ptr<int64_t>() + counts.numel());
  std::vector<int64_t> received_rows;
  const torch::Tensor received = dist::all_to_all_rows_with_grad(
      world_, tokens.index_select(0, order), send_rows, &received_rows);
  const torch::Tensor received_domains =
      world_.all_to_all_rows(domains.index_select(0, order).reshape({-1, 1}), send_rows)
          .reshape({-1});
  const torch::Tensor computed = run_local(received, received_domains);
  // Back to the senders: each gets its rows in the order it sent them.
  const torch::Tensor returned = dist::all_to_all_rows_with_grad(world_, computed, received_rows);
  return torch::zeros_like(tokens).index_copy(0, order, returned);
}

}  // namespace moe::model
