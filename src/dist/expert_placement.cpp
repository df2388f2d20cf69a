// Implementation of ExpertPlacement (see expert_placement.h for the rules).
#include "dist/expert_placement.h"

#include <sstream>

#include "common/error.h"

namespace moe::dist {

ExpertPlacement::ExpertPlacement(int num_experts, int world_size)
    : num_experts_(num_experts), world_size_(world_size) {
  MOE_REQUIRE(num_experts >= 1, "expert placement: need at least one expert, got ", num_experts);
  MOE_REQUIRE(world_size >= 1, "expert placement: need at least one rank, got ", world_size);
  MOE_REQUIRE(world_size % num_experts == 0 || num_experts % world_size == 0,
              "expert placement: ", num_experts, " experts cannot be placed evenly on ", world_size,
              " ranks; use a number of ranks that is a multiple or a divisor of ", num_experts);
}

int ExpertPlacement::replicas() const {
  return world_size_ >= num_experts_ ? world_size_ / num_experts_ : 1;
}

std::vector<int> ExpertPlacement::experts_on(int rank) const {
  MOE_REQUIRE(rank >= 0 && rank < world_size_, "expert placement: rank ", rank, " out of range");
  if (world_size_ >= num_experts_) return {rank / replicas()};
  const int per_rank = num_experts_ / world_size_;
  std::vector<int> experts;
  for (int e = rank * per_rank; e < (rank + 1) * per_rank; ++e) experts.push_back(e);
  return experts;
}

std::vector<int> ExpertPlacement::ranks_of(int expert) const {
  MOE_REQUIRE(expert >= 0 && expert < num_experts_, "expert placement: expert ", expert,
              " out of range");
  if (world_size_ >= num_experts_) {
    std::vector<int> ranks;
    for (int r = expert * replicas(); r < (expert + 1) * replicas(); ++r) ranks.push_back(r);
    return ranks;
  }
  return {expert / (num_experts_ / world_size_)};
}

int ExpertPlacement::replica_group_color(int rank) const { return experts_on(rank).front(); }

std::string ExpertPlacement::describe(const std::vector<std::string>& expert_names) const {
  std::ostringstream out;
  for (int e = 0; e < num_experts_; ++e) {
    if (e > 0) out << "; ";
    out << "expert " << (e < static_cast<int>(expert_names.size()) ? expert_names[e] : "?")
        << " -> rank" << (replicas() > 1 ? "s " : " ");
    const std::vector<int> ranks = ranks_of(e);
    for (size_t i = 0; i < ranks.size(); ++i) out << (i ? "," : "") << ranks[i];
  }
  return out.str();
}

}  // namespace moe::dist
