// Which rank holds which expert. E experts on P ranks: if P is a multiple of E each expert
// has P/E replicas on consecutive ranks; if E is a multiple of P each rank holds E/P
// consecutive experts; anything else is refused with a message saying what would work.
#pragma once

#include <string>
#include <vector>

namespace moe::dist {

class ExpertPlacement {
 public:
  ExpertPlacement(int num_experts, int world_size);

  int num_experts() const { return num_experts_; }
  int world_size() const { return world_size_; }
  int replicas() const;  // ranks holding each expert

  std::vector<int> experts_on(int rank) const;  // ascending expert ids
  std::vector<int> ranks_of(int expert) const;  // ascending ranks (its replica group)
  // Colour for splitting the world into replica groups: ranks with equal colour hold the
  // same experts and sum those experts' gradients among themselves (see gradient_sync.h).
  int replica_group_color(int rank) const;
  // The replica that evaluates and checkpoints the expert (its lowest rank).
  int primary_rank(int expert) const { return ranks_of(expert).front(); }

  // "expert cardio -> ranks 0,1; expert pulmo -> ranks 2,3" with names for the start-up log.
  std::string describe(const std::vector<std::string>& expert_names) const;

 private:
  int num_experts_;
  int world_size_;
};

}  // namespace moe::dist
