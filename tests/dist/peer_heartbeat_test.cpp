// The peer heartbeat between two "ranks" in one process over loopback: each hears the other
// and what collective it is in; one that stops is reported lost after the timeout, and
// datagrams of another job are ignored.
#include "dist/peer_heartbeat.h"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <thread>

#include "common/error.h"

namespace moe::dist {
namespace {

constexpr uint32_t kLoopback = 0x7f000001;
constexpr uint64_t kJob = 42;

// Polls `condition` for up to 10 s (generous for a loaded machine; not a timing assertion).
template <typename Condition>
bool eventually(Condition condition) {
  for (int i = 0; i < 1000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

struct Pair {
  std::unique_ptr<PeerHeartbeat> zero;
  std::unique_ptr<PeerHeartbeat> one;
};

Pair start_pair(uint64_t job_of_one, const std::function<Activity()>& activity_of_one) {
  UdpSocket socket0;
  UdpSocket socket1;
  const std::vector<HeartbeatPeer> peers{{kLoopback, socket0.port()}, {kLoopback, socket1.port()}};
  Pair pair;
  pair.zero = std::make_unique<PeerHeartbeat>(0, kJob, std::move(socket0), peers,
                                              [] { return Activity{}; });
  pair.one =
      std::make_unique<PeerHeartbeat>(1, job_of_one, std::move(socket1), peers, activity_of_one);
  return pair;
}

class PeerHeartbeatTest : public ::testing::Test {
 protected:
  void TearDown() override { PeerHeartbeat::set_timeout(kDefaultHeartbeatTimeoutSeconds); }
};

TEST_F(PeerHeartbeatTest, EachHearsTheOtherAndItsCollective) {
  const Pair pair = start_pair(kJob, [] { return Activity{"all_reduce_sum", 2.5}; });
  ASSERT_TRUE(eventually([&] { return pair.zero->heard_from_everyone(); }));
  ASSERT_TRUE(eventually([&] { return pair.one->heard_from_everyone(); }));
  const PeerStatus status = pair.zero->status_of(1);
  EXPECT_TRUE(status.heard);
  EXPECT_EQ(status.activity.collective, "all_reduce_sum");
  EXPECT_DOUBLE_EQ(status.activity.seconds, 2.5);
  EXPECT_EQ(pair.one->status_of(0).activity.collective, "");  // not in a collective
  EXPECT_TRUE(pair.zero->lost({0, 1}).empty());
}

TEST_F(PeerHeartbeatTest, APeerThatFallsSilentIsLostAfterTheTimeout) {
  Pair pair = start_pair(kJob, [] { return Activity{}; });
  ASSERT_TRUE(eventually([&] { return pair.zero->heard_from_everyone(); }));
  PeerHeartbeat::set_timeout(1.0);
  pair.one.reset();  // rank 1's host goes away
  ASSERT_TRUE(eventually([&] { return !pair.zero->lost({0, 1}).empty(); }));
  EXPECT_EQ(pair.zero->lost({0, 1}), std::vector<int>{1});  // never itself
  EXPECT_GT(pair.zero->status_of(1).silent_seconds, 1.0);
  PeerHeartbeat::set_timeout(0);  // the check turned off
  EXPECT_TRUE(pair.zero->lost({0, 1}).empty());
}

TEST_F(PeerHeartbeatTest, AnotherJobsHeartbeatsAreIgnored) {
  const Pair pair = start_pair(kJob + 1, [] { return Activity{}; });
  std::this_thread::sleep_for(4 * PeerHeartbeat::kInterval);  // several heartbeats each way
  EXPECT_FALSE(pair.zero->status_of(1).heard);
  EXPECT_FALSE(pair.one->status_of(0).heard);
}

TEST_F(PeerHeartbeatTest, ADatagramOfTheWrongSizeIsIgnored) {
  UdpSocket socket0;
  const UdpSocket stranger;
  const uint16_t port0 = socket0.port();
  const PeerHeartbeat zero(0, kJob, std::move(socket0),
                           {{kLoopback, port0}, {kLoopback, stranger.port()}},
                           [] { return Activity{}; });
  // A valid start (magic, job, rank 1) in a datagram cut short.
  const uint32_t magic = 0x484f454d;  // peer_heartbeat.cpp's tag
  unsigned char start[16] = {};
  std::memcpy(&start[0], &magic, 4);
  std::memcpy(&start[4], &kJob, 8);
  const int32_t one = 1;
  std::memcpy(&start[12], &one, 4);
  for (int i = 0; i < 4; ++i) stranger.send(kLoopback, port0, start, sizeof(start));
  std::this_thread::sleep_for(2 * PeerHeartbeat::kInterval);
  EXPECT_FALSE(zero.status_of(1).heard);
}

TEST_F(PeerHeartbeatTest, RefusesANegativeTimeout) {
  EXPECT_THROW(PeerHeartbeat::set_timeout(-1), Error);
}

}  // namespace
}  // namespace moe::dist
