// Implementation of PeerHeartbeat (see peer_heartbeat.h).
#include "dist/peer_heartbeat.h"

#include <mpi.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <random>

#include "common/error.h"
#include "common/log.h"
#include "common/number_format.h"
#include "dist/mpi_check.h"
#include "dist/network_interfaces.h"

namespace moe::dist {
namespace {

// The datagram: magic, job, sender rank, milliseconds in its collective, collective name
// (NUL-padded; empty when it is not in one). Ranks of one job share a byte order.
constexpr uint32_t kMagic = 0x484f454d;  // a fixed tag (the test of short datagrams uses it)
constexpr size_t kNameField = 48;
constexpr size_t kPacketSize = 4 + 8 + 4 + 4 + kNameField;
using Packet = std::array<unsigned char, kPacketSize>;

// Interfaces travel as a fixed table: one MPI_Allgather, no length exchange.
constexpr int kMaxInterfaces = 8;

// How long start_world waits for every peer's first heartbeat.
constexpr auto kStartWait = std::chrono::seconds(5);

std::unique_ptr<PeerHeartbeat>& running() {
  static std::unique_ptr<PeerHeartbeat> heartbeat;
  return heartbeat;
}

std::atomic<double>& timeout_seconds() {
  static std::atomic<double> seconds{kDefaultHeartbeatTimeoutSeconds};
  return seconds;
}

Packet encode(uint64_t job, int32_t rank, const Activity& activity) {
  Packet packet{};
  const uint32_t millis = static_cast<uint32_t>(std::min(activity.seconds * 1000.0, 4.0e9));
  std::memcpy(&packet[0], &kMagic, 4);
  std::memcpy(&packet[4], &job, 8);
  std::memcpy(&packet[12], &rank, 4);
  std::memcpy(&packet[16], &millis, 4);
  std::memcpy(&packet[20], activity.collective.data(),
              std::min(activity.collective.size(), kNameField - 1));
  return packet;
}

}  // namespace

void PeerHeartbeat::start_world(const std::function<Activity()>& activity) {
  int rank = 0;
  int size = 1;
  MOE_MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  MOE_MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &size));
  if (size == 1) return;

  // Every rank takes part in every collective below, also one whose socket failed.
  std::unique_ptr<UdpSocket> socket;
  std::string local_problem;
  std::vector<Ipv4Interface> mine;
  try {
    socket = std::make_unique<UdpSocket>();
    mine = ipv4_interfaces();
  } catch (const Error& e) {
    local_problem = e.what();
  }
  if (mine.size() > kMaxInterfaces) mine.resize(kMaxInterfaces);
  const int port = socket ? socket->port() : 0;
  std::vector<int> ports(size);
  MOE_MPI_CHECK(MPI_Allgather(&port, 1, MPI_INT, ports.data(), 1, MPI_INT, MPI_COMM_WORLD));
  std::array<uint32_t, 1 + 2 * kMaxInterfaces> table{};
  table[0] = static_cast<uint32_t>(mine.size());
  for (size_t i = 0; i < mine.size(); ++i) {
    table[1 + 2 * i] = mine[i].address;
    table[2 + 2 * i] = mine[i].netmask;
  }
  std::vector<uint32_t> tables(table.size() * size);
  MOE_MPI_CHECK(MPI_Allgather(table.data(), static_cast<int>(table.size()), MPI_UINT32_T,
                              tables.data(), static_cast<int>(table.size()), MPI_UINT32_T,
                              MPI_COMM_WORLD));
  // A job token, so that datagrams of another job reusing a port are ignored.
  uint64_t job = rank == 0 ? (uint64_t{std::random_device{}()} << 32) | std::random_device{}() : 0;
  MOE_MPI_CHECK(MPI_Bcast(&job, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD));

  if (socket) {
    std::vector<HeartbeatPeer> peers(size);
    for (int r = 0; r < size; ++r) {
      const uint32_t* theirs_table = &tables[table.size() * r];
      std::vector<Ipv4Interface> theirs(std::min<uint32_t>(theirs_table[0], kMaxInterfaces));
      for (size_t i = 0; i < theirs.size(); ++i)
        theirs[i] = {theirs_table[1 + 2 * i], theirs_table[2 + 2 * i]};
      peers[r] = {address_to_reach(mine, theirs), static_cast<uint16_t>(ports[r])};
    }
    running() =
        std::make_unique<PeerHeartbeat>(rank, job, std::move(*socket), std::move(peers), activity);
    const auto deadline = Clock::now() + kStartWait;
    while (!running()->heard_from_everyone() && Clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!running()->heard_from_everyone()) local_problem = "not every peer's heartbeat arrived";
  }

  const int works = local_problem.empty() ? 1 : 0;
  std::vector<int> working(size);
  MOE_MPI_CHECK(MPI_Allgather(&works, 1, MPI_INT, working.data(), 1, MPI_INT, MPI_COMM_WORLD));
  std::string failed;
  for (int r = 0; r < size; ++r)
    if (working[r] == 0) failed += cat(failed.empty() ? "" : ",", r);
  if (failed.empty()) return;
  if (!local_problem.empty()) log::warn("heartbeat", local_problem);
  log::info("heartbeat", cat("peer heartbeats do not work on ranks ", failed,
                             " (a firewall between hosts may drop UDP): a lost host is found "
                             "only after dist.timeout_s, and its ranks are not named"));
  running().reset();
}

const PeerHeartbeat* PeerHeartbeat::instance() { return running().get(); }

void PeerHeartbeat::stop_world() { running().reset(); }

void PeerHeartbeat::set_timeout(double seconds) {
  MOE_REQUIRE(seconds >= 0, "the heartbeat timeout must not be negative, got ", seconds);
  timeout_seconds() = seconds;
}

double PeerHeartbeat::timeout() { return timeout_seconds(); }

PeerHeartbeat::PeerHeartbeat(int rank, uint64_t job, UdpSocket socket,
                             std::vector<HeartbeatPeer> peers, std::function<Activity()> activity)
    : rank_(rank),
      job_(job),
      socket_(std::move(socket)),
      peers_(std::move(peers)),
      activity_(std::move(activity)),
      started_(Clock::now()),
      heard_(peers_.size()),
      thread_([this] { run(); }) {}

PeerHeartbeat::~PeerHeartbeat() {
  stopping_ = true;
  thread_.join();
}

void PeerHeartbeat::run() {
  // Receives in short waits, so that stopping takes at most one of them.
  constexpr auto kWait = std::chrono::milliseconds(100);
  auto next_send = Clock::now();
  while (!stopping_) {
    if (Clock::now() >= next_send) {
      send_to_all();
      // From now, not from the missed time: a thread held up does not send in a burst.
      next_send = Clock::now() + kInterval;
    }
    receive_for(kWait);
  }
}

void PeerHeartbeat::send_to_all() {
  const Packet packet = encode(job_, rank_, activity_());
  for (size_t r = 0; r < peers_.size(); ++r)
    if (static_cast<int>(r) != rank_ && peers_[r].port != 0)
      socket_.send(peers_[r].address, peers_[r].port, packet.data(), packet.size());
}

void PeerHeartbeat::receive_for(std::chrono::milliseconds wait) {
  Packet packet{};
  // The first wait may block; the rest only drain what has already arrived.
  for (auto timeout = wait;; timeout = std::chrono::milliseconds(0)) {
    const size_t size = socket_.receive(packet.data(), packet.size(), timeout);
    if (size == 0) return;
    if (size != kPacketSize) continue;  // not ours, or cut short
    uint32_t magic = 0;
    uint64_t job = 0;
    int32_t sender = 0;
    uint32_t millis = 0;
    std::memcpy(&magic, &packet[0], 4);
    std::memcpy(&job, &packet[4], 8);
    std::memcpy(&sender, &packet[12], 4);
    std::memcpy(&millis, &packet[16], 4);
    if (magic != kMagic || job != job_ || sender < 0 ||
        sender >= static_cast<int32_t>(heard_.size()) || sender == rank_)
      continue;
    packet[kPacketSize - 1] = 0;
    std::lock_guard<std::mutex> lock(mutex_);
    Heard& peer = heard_[sender];
    peer.any = true;
    peer.last = Clock::now();
    peer.activity.collective = reinterpret_cast<const char*>(&packet[20]);
    peer.activity.seconds = millis / 1000.0;
  }
}

PeerStatus PeerHeartbeat::status_of(int rank) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const Heard& peer = heard_.at(rank);
  PeerStatus status;
  status.heard = peer.any;
  status.silent_seconds =
      std::chrono::duration<double>(Clock::now() - (peer.any ? peer.last : started_)).count();
  status.activity = peer.activity;
  return status;
}

bool PeerHeartbeat::heard_from_everyone() const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t r = 0; r < heard_.size(); ++r)
    if (static_cast<int>(r) != rank_ && !heard_[r].any) return false;
  return true;
}

std::vector<int> PeerHeartbeat::lost(const std::vector<int>& ranks) const {
  const double limit = timeout();
  std::vector<int> silent;
  if (limit <= 0) return silent;
  for (const int r : ranks)
    if (r != rank_ && status_of(r).silent_seconds > limit) silent.push_back(r);
  return silent;
}

}  // namespace moe::dist
