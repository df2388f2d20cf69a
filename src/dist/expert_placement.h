// Which rank holds which expert, and which replica computes a sending rank's examples.
// E experts on P ranks: if P is a multiple of E each expert has R = P/E replicas; if E is a
// multiple of P each rank holds E/P consecutive experts; anything else is refused with a
// message saying what would work.
//
// Node awareness (docs/MULTINODE.md): given each rank's host, an expert's R replicas go to
// ranks of one host wherever a host has R ranks free, so the expert's gradient sum (the
// largest exchange of a step after the shared parameters') stays inside that host. With
// ranks placed on hosts in blocks (mpirun's default, srun's block distribution) this is the
// plain layout: expert e on ranks e*R .. e*R+R-1.
#pragma once

#include <string>
#include <vector>

namespace moe::dist {

class ExpertPlacement {
 public:
  // `host_of_rank`: the host of each rank (empty: all on one host).
  ExpertPlacement(int num_experts, int world_size, std::vector<std::string> host_of_rank = {});

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

  // The replica that computes `sender`'s examples (or tokens) of `expert`: the sender itself
  // when it holds the expert; else each replica serves an equal share of the senders,
  // those on its own host first, so that exchanges cross hosts only where the balance
  // needs it. Every rank computes the same answer.
  int serving_rank(int expert, int sender) const;

  // "expert cardio -> ranks 0,1; expert pulmo -> ranks 2,3" with names for the start-up log.
  std::string describe(const std::vector<std::string>& expert_names) const;

 private:
  void place_replica_groups();
  void assign_senders();
  const std::string& host(int rank) const;

  int num_experts_;
  int world_size_;
  std::vector<std::string> host_of_rank_;
  std::vector<std::vector<int>> ranks_of_expert_;
  std::vector<std::vector<int>> experts_of_rank_;
  std::vector<std::vector<int>> serving_;  // [expert][sender] -> rank
};

}  // namespace moe::dist
