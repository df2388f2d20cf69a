// Implementation of the rank-aware log lines declared in log.h.
#include "common/log.h"

#include <cstdio>
#include <mutex>

namespace moe::log {
namespace {
int g_rank = 0;
int g_world_size = 1;
std::mutex g_output_mutex;  // keeps lines from the I/O thread and the main thread whole
}  // namespace

void set_rank(int rank, int world_size) {
  g_rank = rank;
  g_world_size = world_size;
}

int rank() { return g_rank; }

void info(const std::string& subsystem, const std::string& message) {
  if (g_rank != 0) return;
  std::lock_guard<std::mutex> lock(g_output_mutex);
  std::fprintf(stdout, "[%s] %s\n", subsystem.c_str(), message.c_str());
  std::fflush(stdout);
}

void warn(const std::string& subsystem, const std::string& message) {
  std::lock_guard<std::mutex> lock(g_output_mutex);
  if (g_world_size > 1)
    std::fprintf(stderr, "[%s] rank %d: %s\n", subsystem.c_str(), g_rank, message.c_str());
  else
    std::fprintf(stderr, "[%s] %s\n", subsystem.c_str(), message.c_str());
  std::fflush(stderr);
}

}  // namespace moe::log
