// Telling a dead peer from a live one: process_has_ended for this process, a child that has
// exited but is not yet reaped (a zombie), a reaped one, and PeerProcesses looking only at
// ranks on its own host.
#include "dist/peer_processes.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace moe::dist {
namespace {

// A child that exits at once; its pid, not yet reaped.
pid_t exited_child() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  // Until the kernel has marked it a zombie, /proc still shows it running.
  for (int i = 0; i < 500 && !process_has_ended(child); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return child;
}

TEST(PeerProcesses, ThisProcessRunsAndAnExitedChildHasEnded) {
  EXPECT_FALSE(process_has_ended(getpid()));
  const pid_t child = exited_child();
  EXPECT_TRUE(process_has_ended(child));  // a zombie: gone in all but its process entry
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(process_has_ended(child));  // reaped: no entry at all
}

TEST(PeerProcesses, ListsEndedRanksOnThisHostOnly) {
  const pid_t child = exited_child();
  const PeerProcesses peers({{"here", getpid()}, {"here", child}, {"elsewhere", child}}, "here");
  EXPECT_EQ(peers.ended_on_this_host({0, 1, 2}), std::vector<int>{1});
  EXPECT_TRUE(peers.ended_on_this_host({0, 2}).empty());
  EXPECT_EQ(peers.describe({1, 2}), "rank 1 (pid " + std::to_string(child) +
                                        ", host here), rank 2 (pid " + std::to_string(child) +
                                        ", host elsewhere)");
  int status = 0;
  waitpid(child, &status, 0);
}

}  // namespace
}  // namespace moe::dist
