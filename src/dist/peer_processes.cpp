// Implementation of PeerProcesses (see peer_processes.h).
#include "dist/peer_processes.h"

#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "common/error.h"
#include "dist/mpi_check.h"
#include "dist/mpi_environment.h"

namespace moe::dist {
namespace {

std::unique_ptr<PeerProcesses>& table() {
  static std::unique_ptr<PeerProcesses> recorded;
  return recorded;
}

// Host names travel as fixed-width fields: one MPI_Allgather, no length exchange.
constexpr int kHostField = 256;

}  // namespace

bool process_has_ended(int64_t pid) {
  // /proc/PID/stat is "PID (COMM) STATE ..."; COMM may hold spaces and parentheses, so the
  // state is the first field after the last ')'.
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  std::stringstream text;
  text << stat.rdbuf();
  const std::string line = text.str();
  const auto close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return false;
  const char state = line[close + 2];
  return state == 'Z' || state == 'X';
}

void PeerProcesses::record_world() {
  int size = 1;
  MOE_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
  std::vector<int64_t> pids(size);
  const int64_t pid = getpid();
  MOE_MPI_CHECK(MPI_Allgather(&pid, 1, MPI_INT64_T, pids.data(), 1, MPI_INT64_T, MPI_COMM_WORLD));
  std::string host = host_name();
  host.resize(kHostField - 1);
  std::vector<char> hosts(static_cast<size_t>(size) * kHostField);
  MOE_MPI_CHECK(MPI_Allgather(host.c_str(), kHostField, MPI_CHAR, hosts.data(), kHostField,
                              MPI_CHAR, MPI_COMM_WORLD));
  std::vector<PeerProcess> peers(size);
  for (int r = 0; r < size; ++r) {
    peers[r].host = std::string(&hosts[static_cast<size_t>(r) * kHostField]);
    peers[r].pid = pids[r];
  }
  table() = std::make_unique<PeerProcesses>(std::move(peers), host_name());
}

const PeerProcesses* PeerProcesses::instance() { return table().get(); }

PeerProcesses::PeerProcesses(std::vector<PeerProcess> by_world_rank, std::string this_host)
    : by_world_rank_(std::move(by_world_rank)), this_host_(std::move(this_host)) {}

std::vector<int> PeerProcesses::ended_on_this_host(const std::vector<int>& world_ranks) const {
  std::vector<int> ended;
  for (const int r : world_ranks) {
    const PeerProcess& peer = of(r);
    if (peer.host == this_host_ && process_has_ended(peer.pid)) ended.push_back(r);
  }
  return ended;
}

std::string PeerProcesses::describe(const std::vector<int>& world_ranks) const {
  std::string text;
  for (const int r : world_ranks) {
    if (!text.empty()) text += ", ";
    text += cat("rank ", r, " (pid ", of(r).pid, ", host ", of(r).host, ")");
  }
  return text;
}

}  // namespace moe::dist
