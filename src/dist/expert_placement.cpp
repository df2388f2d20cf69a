// Implementation of ExpertPlacement (see expert_placement.h for the rules).
#include "dist/expert_placement.h"

#include <algorithm>
#include <map>
#include <sstream>

#include "common/error.h"

namespace moe::dist {

ExpertPlacement::ExpertPlacement(int num_experts, int world_size,
                                 std::vector<std::string> host_of_rank)
    : num_experts_(num_experts), world_size_(world_size), host_of_rank_(std::move(host_of_rank)) {
  MOE_REQUIRE(num_experts >= 1, "expert placement: need at least one expert, got ", num_experts);
  MOE_REQUIRE(world_size >= 1, "expert placement: need at least one rank, got ", world_size);
  MOE_REQUIRE(world_size % num_experts == 0 || num_experts % world_size == 0,
              "expert placement: ", num_experts, " experts cannot be placed evenly on ", world_size,
              " ranks; use a number of ranks that is a multiple or a divisor of ", num_experts);
  MOE_REQUIRE(host_of_rank_.empty() || static_cast<int>(host_of_rank_.size()) == world_size,
              "expert placement: ", host_of_rank_.size(), " hosts given for ", world_size,
              " ranks");
  ranks_of_expert_.resize(num_experts_);
  experts_of_rank_.resize(world_size_);
  if (world_size_ >= num_experts_) {
    place_replica_groups();
  } else {
    const int per_rank = num_experts_ / world_size_;
    for (int e = 0; e < num_experts_; ++e) {
      ranks_of_expert_[e] = {e / per_rank};
      experts_of_rank_[e / per_rank].push_back(e);
    }
  }
  assign_senders();
}

const std::string& ExpertPlacement::host(int rank) const {
  static const std::string one_host;
  return host_of_rank_.empty() ? one_host : host_of_rank_[rank];
}

void ExpertPlacement::place_replica_groups() {
  const int group_size = replicas();
  // Hosts in the order of their first rank, each with its ranks ascending.
  std::vector<std::vector<int>> hosts;
  std::map<std::string, size_t> index;
  for (int r = 0; r < world_size_; ++r) {
    const auto [it, added] = index.emplace(host(r), hosts.size());
    if (added) hosts.emplace_back();
    hosts[it->second].push_back(r);
  }
  // Whole groups inside a host first; the ranks left over (hosts whose rank count is not a
  // multiple of R) form the remaining groups, host by host, so those span as few hosts as
  // they can.
  std::vector<std::vector<int>> groups;
  std::vector<int> leftover;
  for (const std::vector<int>& ranks : hosts) {
    size_t i = 0;
    for (; i + group_size <= ranks.size(); i += group_size)
      groups.emplace_back(ranks.begin() + i, ranks.begin() + i + group_size);
    leftover.insert(leftover.end(), ranks.begin() + i, ranks.end());
  }
  for (size_t i = 0; i < leftover.size(); i += group_size)
    groups.emplace_back(leftover.begin() + i, leftover.begin() + i + group_size);
  // Experts in the order of their groups' lowest rank: the plain layout when hosts hold
  // blocks of consecutive ranks.
  std::sort(groups.begin(), groups.end());
  for (int e = 0; e < num_experts_; ++e) {
    std::sort(groups[e].begin(), groups[e].end());
    ranks_of_expert_[e] = groups[e];
    for (const int r : groups[e]) experts_of_rank_[r].push_back(e);
  }
}

void ExpertPlacement::assign_senders() {
  serving_.assign(num_experts_, std::vector<int>(world_size_, -1));
  for (int e = 0; e < num_experts_; ++e) {
    const std::vector<int>& replicas_of_e = ranks_of_expert_[e];
    // Each replica serves at most ceil(P / R) senders, itself included.
    const int capacity =
        (world_size_ + static_cast<int>(replicas_of_e.size()) - 1) / replicas_of_e.size();
    std::map<int, int> load;
    std::vector<int>& serving = serving_[e];
    for (const int r : replicas_of_e) {
      serving[r] = r;
      load[r] = 1;
    }
    const auto take = [&](int sender, bool same_host_only) {
      for (const int r : replicas_of_e) {
        if (load[r] >= capacity || (same_host_only && host(r) != host(sender))) continue;
        serving[sender] = r;
        ++load[r];
        return;
      }
    };
    for (int sender = 0; sender < world_size_; ++sender)
      if (serving[sender] < 0) take(sender, true);
    for (int sender = 0; sender < world_size_; ++sender)
      if (serving[sender] < 0) take(sender, false);
  }
}

int ExpertPlacement::replicas() const {
  return world_size_ >= num_experts_ ? world_size_ / num_experts_ : 1;
}

std::vector<int> ExpertPlacement::experts_on(int rank) const {
  MOE_REQUIRE(rank >= 0 && rank < world_size_, "expert placement: rank ", rank, " out of range");
  return experts_of_rank_[rank];
}

std::vector<int> ExpertPlacement::ranks_of(int expert) const {
  MOE_REQUIRE(expert >= 0 && expert < num_experts_, "expert placement: expert ", expert,
              " out of range");
  return ranks_of_expert_[expert];
}

int ExpertPlacement::serving_rank(int expert, int sender) const {
  MOE_REQUIRE(expert >= 0 && expert < num_experts_, "expert placement: expert ", expert,
              " out of range");
  MOE_REQUIRE(sender >= 0 && sender < world_size_, "expert placement: rank ", sender,
              " out of range");
  return serving_[expert][sender];
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
