// MPI implementation of the Communicator interface (CPU tensors, blocking collectives, each
// watched by a CollectiveWatch so that a dead or stalled peer ends the job with a message).
#include "dist/mpi_communicator.h"

#include <chrono>
#include <limits>
#include <numeric>

#include "common/error.h"
#include "dist/mpi_check.h"
#include "dist/mpi_environment.h"
#include "dist/peer_processes.h"
#include "dist/row_shapes.h"

namespace moe::dist {
namespace {

MPI_Datatype mpi_type_of(const torch::Tensor& tensor) {
  switch (tensor.scalar_type()) {
    case torch::kFloat32:
      return MPI_FLOAT;
    case torch::kFloat64:
      return MPI_DOUBLE;
    case torch::kInt64:
      return MPI_INT64_T;
    case torch::kInt32:
      return MPI_INT32_T;
    case torch::kUInt8:
      return MPI_UINT8_T;
    case torch::kInt8:
      return MPI_INT8_T;
    default:
      throw Error(cat("MPI communicator: unsupported tensor dtype ", tensor.scalar_type()));
  }
}

void require_cpu_contiguous(const torch::Tensor& tensor, const char* operation) {
  MOE_REQUIRE(tensor.device().is_cpu(), "MPI communicator: ", operation,
              " needs CPU tensors (use the NCCL backend for CUDA tensors)");
  MOE_REQUIRE(tensor.is_contiguous(), "MPI communicator: ", operation,
              " needs a contiguous tensor");
}

// MPI counts are int: refuse transfers that would overflow them instead of corrupting data.
int as_mpi_count(int64_t count, const char* operation) {
  MOE_REQUIRE(count >= 0 && count <= std::numeric_limits<int>::max(),
              "MPI communicator: ", operation, " count ", count,
              " exceeds MPI's int limit; use smaller batches");
  return static_cast<int>(count);
}

// Times one collective and counts its bytes into the communicator's stats.
class ScopedCollective {
 public:
  ScopedCollective(CommunicationStats& stats, int64_t bytes)
      : stats_(stats), start_(std::chrono::steady_clock::now()) {
    stats_.bytes_sent += bytes;
    stats_.calls += 1;
  }
  ~ScopedCollective() {
    stats_.seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  CommunicationStats& stats_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

std::unique_ptr<MpiCommunicator> MpiCommunicator::world() {
  return std::unique_ptr<MpiCommunicator>(
      new MpiCommunicator(MPI_COMM_WORLD, false, kDefaultCollectiveTimeoutSeconds));
}

std::unique_ptr<MpiCommunicator> MpiCommunicator::self() {
  return std::unique_ptr<MpiCommunicator>(
      new MpiCommunicator(MPI_COMM_SELF, false, kDefaultCollectiveTimeoutSeconds));
}

std::unique_ptr<MpiCommunicator> MpiCommunicator::duplicate() const {
  MPI_Comm copy = MPI_COMM_NULL;
  MOE_MPI_CHECK(MPI_Comm_dup(comm_, &copy));
  return std::unique_ptr<MpiCommunicator>(
      new MpiCommunicator(copy, true, wait_rules_.timeout_seconds));
}

MpiCommunicator::MpiCommunicator(MPI_Comm comm, bool owned, double timeout_seconds)
    : comm_(comm), owned_(owned) {
  MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
  MOE_MPI_CHECK(MPI_Comm_rank(comm_, &rank_));
  MOE_MPI_CHECK(MPI_Comm_size(comm_, &size_));
  wait_rules_.member_world_ranks = world_ranks_of(comm_);
  set_timeout(timeout_seconds);
}

void MpiCommunicator::set_timeout(double seconds) {
  MOE_REQUIRE(seconds > 0, "MPI communicator: the collective timeout must be positive, got ",
              seconds);
  wait_rules_.timeout_seconds = seconds;
}

std::vector<std::string> MpiCommunicator::hosts() const {
  // The hosts were gathered once at start (MpiEnvironment); without that, one host.
  const PeerProcesses* peers = PeerProcesses::instance();
  std::vector<std::string> result;
  for (const int r : wait_rules_.member_world_ranks)
    result.push_back(peers != nullptr ? peers->of(r).host : host_name());
  return result;
}

MpiCommunicator::~MpiCommunicator() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (owned_ && !finalized) MPI_Comm_free(&comm_);
}

void MpiCommunicator::all_reduce_sum(torch::Tensor& tensor) {
  require_cpu_contiguous(tensor, "all_reduce_sum");
  ScopedCollective timing(stats_, tensor.numel() * tensor.element_size());
  const CollectiveWatch watch("all_reduce_sum", wait_rules_);
  MOE_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, tensor.data_ptr(),
                              as_mpi_count(tensor.numel(), "all_reduce_sum"), mpi_type_of(tensor),
                              MPI_SUM, comm_));
}

std::vector<int64_t> MpiCommunicator::all_gather_value(int64_t value) {
  std::vector<int64_t> values(size_);
  ScopedCollective timing(stats_, sizeof(int64_t));
  const CollectiveWatch watch("all_gather_value", wait_rules_);
  MOE_MPI_CHECK(MPI_Allgather(&value, 1, MPI_INT64_T, values.data(), 1, MPI_INT64_T, comm_));
  return values;
}

torch::Tensor MpiCommunicator::all_gather_rows(const torch::Tensor& local_in) {
  const torch::Tensor local = local_in.contiguous();
  require_cpu_contiguous(local, "all_gather_rows");
  const std::vector<int64_t> rows = all_gather_value(local.dim() == 0 ? 1 : local.size(0));
  const int64_t row_elements = elements_per_row(local);
  std::vector<int> counts(size_), displacements(size_);
  int64_t total_rows = 0;
  for (int p = 0; p < size_; ++p) {
    counts[p] = as_mpi_count(rows[p] * row_elements, "all_gather_rows");
    displacements[p] = as_mpi_count(total_rows * row_elements, "all_gather_rows");
    total_rows += rows[p];
  }
  torch::Tensor result = torch::empty(shape_with_rows(local, total_rows), local.options());
  ScopedCollective timing(stats_, local.numel() * local.element_size());
  const CollectiveWatch watch("all_gather_rows", wait_rules_);
  MOE_MPI_CHECK(MPI_Allgatherv(local.data_ptr(), counts[rank_], mpi_type_of(local),
                               result.data_ptr(), counts.data(), displacements.data(),
                               mpi_type_of(local), comm_));
  return result;
}

torch::Tensor MpiCommunicator::reduce_scatter_rows(const torch::Tensor& full_in,
                                                   const std::vector<int64_t>& rows_per_rank) {
  const torch::Tensor full = full_in.contiguous();
  require_cpu_contiguous(full, "reduce_scatter_rows");
  MOE_REQUIRE(static_cast<int>(rows_per_rank.size()) == size_,
              "reduce_scatter_rows: need one row count per rank");
  const int64_t row_elements = elements_per_row(full);
  std::vector<int> counts(size_);
  for (int p = 0; p < size_; ++p)
    counts[p] = as_mpi_count(rows_per_rank[p] * row_elements, "reduce_scatter_rows");
  torch::Tensor result = torch::empty(shape_with_rows(full, rows_per_rank[rank_]), full.options());
  ScopedCollective timing(stats_, full.numel() * full.element_size());
  const CollectiveWatch watch("reduce_scatter_rows", wait_rules_);
  MOE_MPI_CHECK(MPI_Reduce_scatter(full.data_ptr(), result.data_ptr(), counts.data(),
                                   mpi_type_of(full), MPI_SUM, comm_));
  return result;
}

torch::Tensor MpiCommunicator::all_to_all_rows(const torch::Tensor& send_in,
                                               const std::vector<int64_t>& send_rows) {
  const torch::Tensor send = send_in.contiguous();
  require_cpu_contiguous(send, "all_to_all_rows");
  MOE_REQUIRE(static_cast<int>(send_rows.size()) == size_,
              "all_to_all_rows: need one row count per rank");
  MOE_REQUIRE(std::accumulate(send_rows.begin(), send_rows.end(), int64_t{0}) == send.size(0),
              "all_to_all_rows: row counts do not add up to the tensor's rows");
  std::vector<int64_t> recv_rows(size_);
  {
    ScopedCollective timing(stats_, size_ * static_cast<int64_t>(sizeof(int64_t)));
    const CollectiveWatch watch("all_to_all_rows (row counts)", wait_rules_);
    MOE_MPI_CHECK(
        MPI_Alltoall(send_rows.data(), 1, MPI_INT64_T, recv_rows.data(), 1, MPI_INT64_T, comm_));
  }
  const int64_t row_elements = elements_per_row(send);
  std::vector<int> send_counts(size_), send_displ(size_), recv_counts(size_), recv_displ(size_);
  int64_t send_offset = 0, recv_offset = 0;
  for (int p = 0; p < size_; ++p) {
    send_counts[p] = as_mpi_count(send_rows[p] * row_elements, "all_to_all_rows");
    send_displ[p] = as_mpi_count(send_offset * row_elements, "all_to_all_rows");
    recv_counts[p] = as_mpi_count(recv_rows[p] * row_elements, "all_to_all_rows");
    recv_displ[p] = as_mpi_count(recv_offset * row_elements, "all_to_all_rows");
    send_offset += send_rows[p];
    recv_offset += recv_rows[p];
  }
  torch::Tensor result = torch::empty(shape_with_rows(send, recv_offset), send.options());
  ScopedCollective timing(stats_, (send.numel() - send_counts[rank_]) * send.element_size());
  const CollectiveWatch watch("all_to_all_rows", wait_rules_);
  MOE_MPI_CHECK(MPI_Alltoallv(send.data_ptr(), send_counts.data(), send_displ.data(),
                              mpi_type_of(send), result.data_ptr(), recv_counts.data(),
                              recv_displ.data(), mpi_type_of(send), comm_));
  return result;
}

torch::Tensor MpiCommunicator::gather_rows(const torch::Tensor& local_in, int root) {
  const torch::Tensor local = local_in.contiguous();
  require_cpu_contiguous(local, "gather_rows");
  const std::vector<int64_t> rows = all_gather_value(local.dim() == 0 ? 1 : local.size(0));
  const int64_t row_elements = elements_per_row(local);
  std::vector<int> counts(size_), displacements(size_);
  int64_t total_rows = 0;
  for (int p = 0; p < size_; ++p) {
    counts[p] = as_mpi_count(rows[p] * row_elements, "gather_rows");
    displacements[p] = as_mpi_count(total_rows * row_elements, "gather_rows");
    total_rows += rows[p];
  }
  torch::Tensor result = rank_ == root
                             ? torch::empty(shape_with_rows(local, total_rows), local.options())
                             : torch::empty({0}, local.options());
  ScopedCollective timing(stats_, local.numel() * local.element_size());
  const CollectiveWatch watch("gather_rows", wait_rules_);
  MOE_MPI_CHECK(MPI_Gatherv(local.data_ptr(), counts[rank_], mpi_type_of(local), result.data_ptr(),
                            counts.data(), displacements.data(), mpi_type_of(local), root, comm_));
  return result;
}

void MpiCommunicator::broadcast(torch::Tensor& tensor, int root) {
  require_cpu_contiguous(tensor, "broadcast");
  ScopedCollective timing(stats_, rank_ == root ? tensor.numel() * tensor.element_size() : 0);
  const CollectiveWatch watch("broadcast", wait_rules_);
  MOE_MPI_CHECK(MPI_Bcast(tensor.data_ptr(), as_mpi_count(tensor.numel(), "broadcast"),
                          mpi_type_of(tensor), root, comm_));
}

void MpiCommunicator::barrier() {
  ScopedCollective timing(stats_, 0);
  const CollectiveWatch watch("barrier", wait_rules_);
  MOE_MPI_CHECK(MPI_Barrier(comm_));
}

std::unique_ptr<Communicator> MpiCommunicator::split(int color, int key) {
  MPI_Comm child = MPI_COMM_NULL;
  MOE_MPI_CHECK(MPI_Comm_split(comm_, color, key, &child));
  return std::unique_ptr<Communicator>(
      new MpiCommunicator(child, true, wait_rules_.timeout_seconds));
}

}  // namespace moe::dist
