// Expert placement: the plain layouts, replica groups kept inside a host when ranks are
// spread over hosts round-robin, leftovers spanning few hosts, the senders each replica
// serves (balanced, same host first), and the host map of the start-up log.
#include "dist/expert_placement.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "common/error.h"
#include "dist/host_map.h"

namespace moe::dist {
namespace {

using Ranks = std::vector<int>;

TEST(ExpertPlacement, PlainLayoutsOnOneHost) {
  const ExpertPlacement replicated(2, 4);
  EXPECT_EQ(replicated.ranks_of(0), (Ranks{0, 1}));
  EXPECT_EQ(replicated.ranks_of(1), (Ranks{2, 3}));
  EXPECT_EQ(replicated.experts_on(3), (Ranks{1}));
  EXPECT_EQ(replicated.primary_rank(1), 2);
  const ExpertPlacement shared(4, 2);
  EXPECT_EQ(shared.experts_on(0), (Ranks{0, 1}));
  EXPECT_EQ(shared.experts_on(1), (Ranks{2, 3}));
  EXPECT_EQ(shared.ranks_of(3), (Ranks{1}));
  EXPECT_THROW(ExpertPlacement(2, 3), Error);
  EXPECT_THROW(ExpertPlacement(2, 4, {"a", "b"}), Error);  // a host per rank, or none
}

TEST(ExpertPlacement, HostsInBlocksGiveThePlainLayout) {
  const ExpertPlacement blocks(2, 4, {"n1", "n1", "n2", "n2"});
  EXPECT_EQ(blocks.ranks_of(0), (Ranks{0, 1}));
  EXPECT_EQ(blocks.ranks_of(1), (Ranks{2, 3}));
}

TEST(ExpertPlacement, ReplicasStayInsideAHostWhenRanksAlternate) {
  // mpirun --map-by node: ranks 0,2 on n1 and 1,3 on n2.
  const ExpertPlacement alternating(2, 4, {"n1", "n2", "n1", "n2"});
  EXPECT_EQ(alternating.ranks_of(0), (Ranks{0, 2}));
  EXPECT_EQ(alternating.ranks_of(1), (Ranks{1, 3}));
  EXPECT_EQ(alternating.replica_group_color(2), 0);
  EXPECT_EQ(alternating.replica_group_color(3), 1);
  EXPECT_EQ(alternating.describe({"cardio", "pulmo"}),
            "expert cardio -> ranks 0,2; expert pulmo -> ranks 1,3");
}

TEST(ExpertPlacement, LeftoverRanksFormGroupsAcrossTheFewestHosts) {
  // 3 experts x 2 replicas on hosts of 3, 2 and 1 ranks: n1 and n2 hold one whole group
  // each; n1's third rank and n3's rank form the last.
  const ExpertPlacement uneven(3, 6, {"n1", "n1", "n1", "n2", "n2", "n3"});
  EXPECT_EQ(uneven.ranks_of(0), (Ranks{0, 1}));
  EXPECT_EQ(uneven.ranks_of(1), (Ranks{2, 5}));
  EXPECT_EQ(uneven.ranks_of(2), (Ranks{3, 4}));
}

TEST(ExpertPlacement, EachReplicaServesAnEqualShareSameHostFirst) {
  const std::vector<std::string> hosts{"n1", "n2", "n1", "n2", "n1", "n2"};
  const ExpertPlacement placement(3, 6, hosts);
  EXPECT_EQ(placement.ranks_of(0), (Ranks{0, 2}));  // on n1
  EXPECT_EQ(placement.ranks_of(1), (Ranks{1, 3}));  // on n2
  EXPECT_EQ(placement.ranks_of(2), (Ranks{4, 5}));  // one replica on each host
  for (int e = 0; e < 3; ++e) {
    const Ranks replicas = placement.ranks_of(e);
    std::map<int, int> served;
    for (int sender = 0; sender < 6; ++sender) {
      const int rank = placement.serving_rank(e, sender);
      ASSERT_NE(std::find(replicas.begin(), replicas.end(), rank), replicas.end());
      if (std::find(replicas.begin(), replicas.end(), sender) != replicas.end()) {
        EXPECT_EQ(rank, sender);  // a holder keeps its own
      }
      ++served[rank];
    }
    for (const auto& [rank, count] : served) EXPECT_EQ(count, 3) << "rank " << rank;
  }
  // Expert 2 has a replica on each host: no sender's tokens cross hosts.
  for (int sender = 0; sender < 6; ++sender)
    EXPECT_EQ(hosts[placement.serving_rank(2, sender)], hosts[sender]) << "sender " << sender;
}

TEST(ExpertPlacement, BalanceWinsOverLocalityWhenAHostHasTooFewReplicas) {
  // Expert 1 on ranks 2 (n1) and 3 (n2): n1's senders 0 and 1 cannot both use rank 2.
  const ExpertPlacement placement(2, 4, {"n1", "n1", "n1", "n2"});
  EXPECT_EQ(placement.ranks_of(1), (Ranks{2, 3}));
  EXPECT_EQ(placement.serving_rank(1, 0), 2);
  EXPECT_EQ(placement.serving_rank(1, 1), 3);
}

TEST(HostMap, ListsHostsInRankOrder) {
  EXPECT_EQ(describe_host_map({"n2", "n1", "n2", "n1"}), "n2 -> ranks 0,2; n1 -> ranks 1,3");
  EXPECT_EQ(describe_host_map({"vm"}), "vm -> rank 0");
}

}  // namespace
}  // namespace moe::dist
