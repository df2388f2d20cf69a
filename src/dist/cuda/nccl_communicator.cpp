// NCCL implementation of the Communicator interface (see nccl_communicator.h).
#include "dist/cuda/nccl_communicator.h"

#include <c10/cuda/CUDACachingAllocator.h>  // recordStream
#include <c10/cuda/CUDAFunctions.h>         // device_count, current_device
#include <c10/cuda/CUDAGuard.h>
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <numeric>

#include "common/error.h"
#include "common/log.h"
#include "dist/cuda/nccl_check.h"
#include "dist/mpi_check.h"
#include "dist/mpi_environment.h"
#include "dist/row_shapes.h"

namespace moe::dist {
namespace {

ncclDataType_t nccl_type_of(const torch::Tensor& tensor) {
  switch (tensor.scalar_type()) {
    case torch::kFloat32:
      return ncclFloat32;
    case torch::kFloat64:
      return ncclFloat64;
    case torch::kFloat16:
      return ncclFloat16;
    case torch::kBFloat16:
      return ncclBfloat16;
    case torch::kInt64:
      return ncclInt64;
    case torch::kInt32:
      return ncclInt32;
    case torch::kUInt8:
      return ncclUint8;
    case torch::kInt8:
      return ncclInt8;
    default:
      throw Error(cat("NCCL communicator: unsupported tensor dtype ", tensor.scalar_type(),
                      " (NCCL moves float32, float64, float16, bfloat16, int64, int32, uint8, "
                      "int8)"));
  }
}

int64_t rows_of(const torch::Tensor& tensor) { return tensor.dim() == 0 ? 1 : tensor.size(0); }

char* byte_pointer(const torch::Tensor& tensor) { return static_cast<char*>(tensor.data_ptr()); }

// Runs `call` on the MPI communicator and moves the time and bytes it counted into `into`,
// so that this communicator's stats cover both transports.
template <typename Call>
decltype(auto) on_mpi(MpiCommunicator& mpi, CommunicationStats& into, Call&& call) {
  struct Fold {
    MpiCommunicator& mpi;
    CommunicationStats& into;
    ~Fold() {
      into.seconds += mpi.stats().seconds;
      into.bytes_sent += mpi.stats().bytes_sent;
      into.calls += mpi.stats().calls;
      mpi.reset_stats();
    }
  } fold{mpi, into};
  return call(mpi);
}

std::unique_ptr<MpiCommunicator> present(std::unique_ptr<MpiCommunicator> group) {
  MOE_REQUIRE(group != nullptr, "NCCL communicator: no MPI communicator to bootstrap over");
  return group;
}

// The device index to use, checked on every rank before any of them starts the bootstrap:
// a rank that cannot use its device must not leave the others waiting for it there.
c10::DeviceIndex agree_on_device(MpiCommunicator& mpi, const torch::Device& device,
                                 double timeout_seconds) {
  std::string problem;
  c10::DeviceIndex index = 0;
  const c10::DeviceIndex visible = c10::cuda::device_count();  // 0 without a driver
  if (!device.is_cuda()) {
    problem = cat("needs a CUDA device, got ", device.str());
  } else if (visible == 0) {
    problem = "no CUDA device is visible (check CUDA_VISIBLE_DEVICES and the GPU request)";
  } else {
    index = device.has_index() ? device.index() : c10::cuda::current_device();
    if (index >= visible)
      problem = cat(device.str(), " does not exist (", static_cast<int>(visible), " visible)");
  }
  if (problem.empty() && !(timeout_seconds > 0))
    problem = cat("the collective timeout must be positive, got ", timeout_seconds);
  const std::vector<int64_t> failed = mpi.all_gather_value(problem.empty() ? 0 : 1);
  MOE_REQUIRE(problem.empty(), "NCCL communicator on rank ", mpi.rank(), " (host ", host_name(),
              "): ", problem);
  for (int p = 0; p < mpi.size(); ++p)
    MOE_REQUIRE(failed[p] == 0, "NCCL communicator: rank ", p,
                " of the group cannot use its CUDA device (see its message); rank ", mpi.rank(),
                " (host ", host_name(), ") stops too");
  return index;
}

// Creates the NCCL communicator of `mpi`'s ranks on `device`: rank 0's unique id travels
// over MPI, and every rank learns whether all of them succeeded, so they fail together.
ncclComm_t bootstrap_nccl(MpiCommunicator& mpi, c10::DeviceIndex device, double timeout_seconds) {
  struct {
    int32_t result = ncclSuccess;
    ncclUniqueId id{};
  } root;
  if (mpi.rank() == 0) root.result = ncclGetUniqueId(&root.id);
  MOE_MPI_CHECK(MPI_Bcast(&root, sizeof(root), MPI_BYTE, 0, mpi.handle()));
  const auto id_result = static_cast<ncclResult_t>(root.result);
  if (id_result != ncclSuccess) {
    if (mpi.rank() == 0) throw Error(describe_nccl_failure("ncclGetUniqueId(&root.id)", id_result));
    throw Error(cat("ncclGetUniqueId failed on rank 0 of the group (",
                    ncclGetErrorString(id_result), "); rank ", mpi.rank(), " (host ", host_name(),
                    ") stops too"));
  }

  const c10::cuda::CUDAGuard guard(device);
  ncclComm_t comm = nullptr;
  ncclResult_t result = ncclSuccess;
  {
    // A peer that died before joining would leave this call waiting forever.
    const BootstrapDeadline deadline(cat("NCCL initialisation over ", mpi.size(), " ranks"),
                                     timeout_seconds);
#if NCCL_VERSION_CODE >= NCCL_VERSION(2, 14, 0)
    ncclConfig_t config = NCCL_CONFIG_INITIALIZER;
    config.blocking = 1;  // calls return once enqueued; hangs are the watchdog's business
    result = ncclCommInitRankConfig(&comm, mpi.size(), root.id, mpi.rank(), &config);
#else
    result = ncclCommInitRank(&comm, mpi.size(), root.id, mpi.rank());
#endif
  }
  const std::vector<int64_t> results = mpi.all_gather_value(result);
  int failed_rank = -1;
  for (int p = 0; p < mpi.size() && failed_rank < 0; ++p)
    if (results[p] != ncclSuccess) failed_rank = p;
  if (failed_rank < 0) return comm;
  if (comm != nullptr) ncclCommAbort(comm);
  if (result != ncclSuccess) throw Error(describe_nccl_failure("ncclCommInitRank", result));
  throw Error(cat("NCCL initialisation failed on rank ", failed_rank,
                  " of the group (see its message); rank ", mpi.rank(), " (host ", host_name(),
                  ") stops too"));
}

// Keeps the NCCL calls between ncclGroupStart and ncclGroupEnd and throws the first failure
// once the group is closed: a group left open would capture this thread's next NCCL calls.
class NcclGroup {
 public:
  explicit NcclGroup(const char* operation) : operation_(operation) {
    MOE_NCCL_CHECK(ncclGroupStart());
  }
  ~NcclGroup() {
    if (!ended_) ncclGroupEnd();
  }
  NcclGroup(const NcclGroup&) = delete;
  NcclGroup& operator=(const NcclGroup&) = delete;

  void add(ncclResult_t result, const char* call, int peer) {
    if (result == ncclSuccess || failed_call_ != nullptr) return;
    result_ = result;
    failed_call_ = call;
    failed_peer_ = peer;
  }
  void end() {
    ended_ = true;
    add(ncclGroupEnd(), "ncclGroupEnd", -1);
    if (failed_call_ == nullptr) return;
    const std::string call =
        failed_peer_ < 0 ? cat(operation_, ": ", failed_call_)
                         : cat(operation_, ": ", failed_call_, " (peer ", failed_peer_, ")");
    throw Error(describe_nccl_failure(call.c_str(), result_));
  }

 private:
  const char* operation_;
  bool ended_ = false;
  ncclResult_t result_ = ncclSuccess;
  const char* failed_call_ = nullptr;
  int failed_peer_ = -1;
};

}  // namespace

// Brackets the NCCL calls of one collective. Before: the NCCL stream waits for the work
// queued on the current stream (the inputs). finish(): the tensors are recorded as used by
// the NCCL stream, the watchdog watches the collective, and the current stream waits for it.
// Stats get the bytes and the host time. A failure in between marks the communicator as
// out of step with its peers (it is then aborted, not destroyed).
class NcclCommunicator::Enqueue {
 public:
  Enqueue(NcclCommunicator& owner, const char* operation, int64_t bytes)
      : owner_(owner),
        operation_(operation),
        guard_(owner.device_),
        current_(c10::cuda::getCurrentCUDAStream(owner.device_)) {
    owner_.stats_.bytes_sent += bytes;
    owner_.stats_.calls += 1;
    MOE_CUDA_CHECK(cudaEventRecord(owner_.inputs_ready_.get(), current_.stream()));
    MOE_CUDA_CHECK(cudaStreamWaitEvent(stream(), owner_.inputs_ready_.get(), 0));
  }
  ~Enqueue() {
    if (!finished_ && std::uncaught_exceptions() > exceptions_at_start_) owner_.comm_.mark_failed();
    owner_.stats_.seconds +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  Enqueue(const Enqueue&) = delete;
  Enqueue& operator=(const Enqueue&) = delete;

  ncclComm_t comm() const { return owner_.comm_.get(); }
  cudaStream_t stream() const { return owner_.stream_.stream(); }

  void finish(std::initializer_list<torch::Tensor> used) {
    for (const torch::Tensor& tensor : used)
      c10::cuda::CUDACachingAllocator::recordStream(tensor.storage().data_ptr(), owner_.stream_);
    const cudaEvent_t done = owner_.watchdog_->watch(operation_, stream());
    MOE_CUDA_CHECK(cudaStreamWaitEvent(current_.stream(), done, 0));
    finished_ = true;
  }

 private:
  NcclCommunicator& owner_;
  const char* operation_;
  const c10::cuda::CUDAGuard guard_;
  const c10::cuda::CUDAStream current_;
  const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  const int exceptions_at_start_ = std::uncaught_exceptions();
  bool finished_ = false;
};

NcclCommunicator::NcclCommunicator(std::unique_ptr<MpiCommunicator> group,
                                   const torch::Device& device, double timeout_seconds)
    : mpi_(present(std::move(group))),
      device_(agree_on_device(*mpi_, device, timeout_seconds)),
      timeout_seconds_(timeout_seconds),
      stream_(c10::cuda::getStreamFromPool(/*isHighPriority=*/false, device_)),
      inputs_ready_(device_) {
  comm_ = NcclCommHandle(bootstrap_nccl(*mpi_, device_, timeout_seconds_));
  watchdog_ = std::make_unique<CollectiveWatchdog>(comm_.get(), device_, where(), timeout_seconds_,
                                                   world_ranks_of(mpi_->handle()));
  mpi_->reset_stats();  // set-up traffic is not the caller's communication
}

NcclCommunicator::~NcclCommunicator() {
  if (std::uncaught_exceptions() > 0) return;  // comm_ aborts; do not wait for peers
  // Let queued collectives finish (still under the watchdog) before the communicator goes.
  const c10::cuda::CUDAGuard guard(device_);
  const cudaError_t synced = cudaStreamSynchronize(stream_.stream());
  ncclResult_t async_error = ncclSuccess;
  ncclCommGetAsyncError(comm_.get(), &async_error);
  if (synced == cudaSuccess && async_error == ncclSuccess) return;
  comm_.mark_failed();
  log::warn("nccl", synced != cudaSuccess
                        ? describe_cuda_failure("cudaStreamSynchronize(nccl stream)", synced)
                        : describe_nccl_failure("ncclCommGetAsyncError", async_error));
}

std::string NcclCommunicator::where() const {
  return cat("rank ", rank(), " of ", size(), " (world rank ", log::rank(), ", host ", host_name(),
             ", cuda:", static_cast<int>(device_), ")");
}

ncclDataType_t NcclCommunicator::checked_type(const torch::Tensor& tensor,
                                              const char* operation) const {
  MOE_REQUIRE(tensor.is_cuda() && tensor.device().index() == device_, "NCCL communicator on ",
              where(), ": ", operation, " got a tensor on ", tensor.device().str(),
              "; it takes CPU tensors or tensors on cuda:", static_cast<int>(device_));
  try {
    return nccl_type_of(tensor);
  } catch (const Error& error) {
    throw Error(cat(operation, " on ", where(), ": ", error.what()));
  }
}

void NcclCommunicator::exchange(const char* operation, const std::vector<Transfer>& sends,
                                const std::vector<Transfer>& recvs, ncclDataType_t type,
                                size_t element_size) {
  const int me = rank();
  const Transfer* to_self = nullptr;
  const Transfer* from_self = nullptr;
  for (const Transfer& send : sends)
    if (send.peer == me && send.count > 0) to_self = &send;
  for (const Transfer& recv : recvs)
    if (recv.peer == me && recv.count > 0) from_self = &recv;
  MOE_REQUIRE((to_self == nullptr) == (from_self == nullptr) &&
                  (to_self == nullptr || to_self->count == from_self->count),
              operation, " on ", where(),
              ": what this rank sends itself does not match what it "
              "expects from itself");
  if (to_self != nullptr) {
    MOE_CUDA_CHECK(cudaMemcpyAsync(from_self->buffer, to_self->buffer,
                                   to_self->count * element_size, cudaMemcpyDeviceToDevice,
                                   stream_.stream()));
  }
  NcclGroup group(operation);
  for (const Transfer& send : sends) {
    if (send.peer == me || send.count == 0) continue;
    group.add(ncclSend(send.buffer, send.count, type, send.peer, comm_.get(), stream_.stream()),
              "ncclSend", send.peer);
  }
  for (const Transfer& recv : recvs) {
    if (recv.peer == me || recv.count == 0) continue;
    group.add(ncclRecv(recv.buffer, recv.count, type, recv.peer, comm_.get(), stream_.stream()),
              "ncclRecv", recv.peer);
  }
  group.end();
}

void NcclCommunicator::all_reduce_sum(torch::Tensor& tensor) {
  if (tensor.device().is_cpu())
    return on_mpi(*mpi_, stats_, [&](MpiCommunicator& mpi) { mpi.all_reduce_sum(tensor); });
  const ncclDataType_t type = checked_type(tensor, "all_reduce_sum");
  MOE_REQUIRE(tensor.is_contiguous(), "all_reduce_sum on ", where(),
              ": needs a contiguous tensor (it works in place)");
  if (tensor.numel() == 0) return;  // same shape on every rank: all of them skip
  Enqueue enqueue(*this, "all_reduce_sum", tensor.numel() * tensor.element_size());
  MOE_NCCL_CHECK(ncclAllReduce(tensor.data_ptr(), tensor.data_ptr(), tensor.numel(), type, ncclSum,
                               enqueue.comm(), enqueue.stream()));
  enqueue.finish({tensor});
}

std::vector<int64_t> NcclCommunicator::all_gather_value(int64_t value) {
  return on_mpi(*mpi_, stats_, [&](MpiCommunicator& mpi) { return mpi.all_gather_value(value); });
}

torch::Tensor NcclCommunicator::all_gather_rows(const torch::Tensor& local_in) {
  if (local_in.device().is_cpu())
    return on_mpi(*mpi_, stats_,
                  [&](MpiCommunicator& mpi) { return mpi.all_gather_rows(local_in); });
  const ncclDataType_t type = checked_type(local_in, "all_gather_rows");
  const torch::Tensor local = local_in.contiguous();
  const std::vector<int64_t> rows = all_gather_value(rows_of(local));
  const int me = rank();
  std::vector<int64_t> offsets(size());
  int64_t total = 0;
  bool even = true;
  for (int p = 0; p < size(); ++p) {
    offsets[p] = total;
    total += rows[p];
    even = even && rows[p] == rows[0];
  }
  torch::Tensor result = torch::empty(shape_with_rows(local, total), local.options());
  if (total == 0) return result;
  const int64_t row_elements = elements_per_row(local);
  Enqueue enqueue(*this, "all_gather_rows", local.numel() * local.element_size());
  if (even) {
    MOE_NCCL_CHECK(ncclAllGather(local.data_ptr(), result.data_ptr(), rows[me] * row_elements, type,
                                 enqueue.comm(), enqueue.stream()));
  } else {
    const int64_t row_bytes = row_elements * local.element_size();
    std::vector<Transfer> sends, recvs;
    for (int p = 0; p < size(); ++p) {
      sends.push_back({p, local.data_ptr(), static_cast<size_t>(rows[me] * row_elements)});
      recvs.push_back({p, byte_pointer(result) + offsets[p] * row_bytes,
                       static_cast<size_t>(rows[p] * row_elements)});
    }
    exchange("all_gather_rows", sends, recvs, type, local.element_size());
  }
  enqueue.finish({local, result});
  return result;
}

torch::Tensor NcclCommunicator::reduce_scatter_rows(const torch::Tensor& full_in,
                                                    const std::vector<int64_t>& rows_per_rank) {
  if (full_in.device().is_cpu()) {
    return on_mpi(*mpi_, stats_, [&](MpiCommunicator& mpi) {
      return mpi.reduce_scatter_rows(full_in, rows_per_rank);
    });
  }
  const ncclDataType_t type = checked_type(full_in, "reduce_scatter_rows");
  MOE_REQUIRE(static_cast<int>(rows_per_rank.size()) == size(), "reduce_scatter_rows on ", where(),
              ": need one row count per rank, got ", rows_per_rank.size());
  const torch::Tensor full = full_in.contiguous();
  const int64_t total = std::accumulate(rows_per_rank.begin(), rows_per_rank.end(), int64_t{0});
  MOE_REQUIRE(total == rows_of(full), "reduce_scatter_rows on ", where(), ": row counts add up to ",
              total, " but the tensor has ", rows_of(full), " rows");
  const int me = rank();
  torch::Tensor result = torch::empty(shape_with_rows(full, rows_per_rank[me]), full.options());
  if (total == 0) return result;
  const int64_t row_elements = elements_per_row(full);
  const bool even = std::all_of(rows_per_rank.begin(), rows_per_rank.end(),
                                [&](int64_t rows) { return rows == rows_per_rank[0]; });
  Enqueue enqueue(*this, "reduce_scatter_rows", full.numel() * full.element_size());
  if (even) {
    MOE_NCCL_CHECK(ncclReduceScatter(full.data_ptr(), result.data_ptr(),
                                     rows_per_rank[me] * row_elements, type, ncclSum,
                                     enqueue.comm(), enqueue.stream()));
  } else {
    // Uneven slices: one reduce per rank onto that rank, all in one group.
    const int64_t row_bytes = row_elements * full.element_size();
    NcclGroup group("reduce_scatter_rows");
    int64_t offset = 0;
    for (int p = 0; p < size(); ++p) {
      if (rows_per_rank[p] > 0) {
        group.add(ncclReduce(byte_pointer(full) + offset * row_bytes,
                             p == me ? result.data_ptr() : nullptr,  // used on the root only
                             rows_per_rank[p] * row_elements, type, ncclSum, p, enqueue.comm(),
                             enqueue.stream()),
                  "ncclReduce", p);
      }
      offset += rows_per_rank[p];
    }
    group.end();
  }
  enqueue.finish({full, result});
  return result;
}

torch::Tensor NcclCommunicator::all_to_all_rows(const torch::Tensor& send_in,
                                                const std::vector<int64_t>& send_rows) {
  if (send_in.device().is_cpu()) {
    return on_mpi(*mpi_, stats_,
                  [&](MpiCommunicator& mpi) { return mpi.all_to_all_rows(send_in, send_rows); });
  }
  const ncclDataType_t type = checked_type(send_in, "all_to_all_rows");
  MOE_REQUIRE(static_cast<int>(send_rows.size()) == size(), "all_to_all_rows on ", where(),
              ": need one row count per rank, got ", send_rows.size());
  const torch::Tensor send = send_in.contiguous();
  MOE_REQUIRE(send.dim() >= 1 &&
                  std::accumulate(send_rows.begin(), send_rows.end(), int64_t{0}) == send.size(0),
              "all_to_all_rows on ", where(), ": row counts do not add up to the tensor's rows");
  // Counts travel over MPI (host memory): no device round trip to size the result.
  const torch::Tensor counts_in = on_mpi(*mpi_, stats_, [&](MpiCommunicator& mpi) {
    return mpi.all_to_all_rows(torch::tensor(send_rows, torch::kInt64),
                               std::vector<int64_t>(size(), 1));
  });
  const int me = rank();
  const int64_t row_elements = elements_per_row(send);
  const int64_t row_bytes = row_elements * send.element_size();
  std::vector<int64_t> recv_rows(size());
  int64_t total_recv = 0;
  for (int p = 0; p < size(); ++p) {
    recv_rows[p] = counts_in.data_ptr<int64_t>()[p];
    total_recv += recv_rows[p];
  }
  torch::Tensor result = torch::empty(shape_with_rows(send, total_recv), send.options());
  // Point-to-point: a rank with nothing to send or receive has no part to play.
  if (total_recv == 0 && send.size(0) == 0) return result;
  Enqueue enqueue(*this, "all_to_all_rows",
                  (send.numel() - send_rows[me] * row_elements) * send.element_size());
  std::vector<Transfer> sends, recvs;
  int64_t send_offset = 0, recv_offset = 0;
  for (int p = 0; p < size(); ++p) {
    sends.push_back({p, byte_pointer(send) + send_offset * row_bytes,
                     static_cast<size_t>(send_rows[p] * row_elements)});
    recvs.push_back({p, byte_pointer(result) + recv_offset * row_bytes,
                     static_cast<size_t>(recv_rows[p] * row_elements)});
    send_offset += send_rows[p];
    recv_offset += recv_rows[p];
  }
  exchange("all_to_all_rows", sends, recvs, type, send.element_size());
  enqueue.finish({send, result});
  return result;
}

torch::Tensor NcclCommunicator::gather_rows(const torch::Tensor& local_in, int root) {
  if (local_in.device().is_cpu())
    return on_mpi(*mpi_, stats_,
                  [&](MpiCommunicator& mpi) { return mpi.gather_rows(local_in, root); });
  const ncclDataType_t type = checked_type(local_in, "gather_rows");
  MOE_REQUIRE(root >= 0 && root < size(), "gather_rows on ", where(), ": root ", root,
              " is not a rank of this communicator");
  const torch::Tensor local = local_in.contiguous();
  const std::vector<int64_t> rows = all_gather_value(rows_of(local));
  const int me = rank();
  const int64_t total = std::accumulate(rows.begin(), rows.end(), int64_t{0});
  torch::Tensor result = me == root ? torch::empty(shape_with_rows(local, total), local.options())
                                    : torch::empty({0}, local.options());
  if (total == 0 || (me != root && rows[me] == 0)) return result;
  const int64_t row_elements = elements_per_row(local);
  const int64_t row_bytes = row_elements * local.element_size();
  Enqueue enqueue(*this, "gather_rows", local.numel() * local.element_size());
  std::vector<Transfer> sends{
      {root, local.data_ptr(), static_cast<size_t>(rows[me] * row_elements)}};
  std::vector<Transfer> recvs;
  if (me == root) {
    int64_t offset = 0;
    for (int p = 0; p < size(); ++p) {
      recvs.push_back({p, byte_pointer(result) + offset * row_bytes,
                       static_cast<size_t>(rows[p] * row_elements)});
      offset += rows[p];
    }
  }
  exchange("gather_rows", sends, recvs, type, local.element_size());
  enqueue.finish({local, result});
  return result;
}

void NcclCommunicator::broadcast(torch::Tensor& tensor, int root) {
  if (tensor.device().is_cpu())
    return on_mpi(*mpi_, stats_, [&](MpiCommunicator& mpi) { mpi.broadcast(tensor, root); });
  const ncclDataType_t type = checked_type(tensor, "broadcast");
  MOE_REQUIRE(tensor.is_contiguous(), "broadcast on ", where(),
              ": needs a contiguous tensor (it works in place)");
  MOE_REQUIRE(root >= 0 && root < size(), "broadcast on ", where(), ": root ", root,
              " is not a rank of this communicator");
  if (tensor.numel() == 0) return;  // same shape on every rank: all of them skip
  Enqueue enqueue(*this, "broadcast", rank() == root ? tensor.numel() * tensor.element_size() : 0);
  MOE_NCCL_CHECK(ncclBroadcast(tensor.data_ptr(), tensor.data_ptr(), tensor.numel(), type, root,
                               enqueue.comm(), enqueue.stream()));
  enqueue.finish({tensor});
}

void NcclCommunicator::barrier() {
  {
    const c10::cuda::CUDAGuard guard(device_);
    MOE_CUDA_CHECK(cudaStreamSynchronize(stream_.stream()));
  }
  on_mpi(*mpi_, stats_, [](MpiCommunicator& mpi) { mpi.barrier(); });
}

std::unique_ptr<Communicator> NcclCommunicator::split(int color, int key) {
  std::unique_ptr<Communicator> split_mpi =
      on_mpi(*mpi_, stats_, [&](MpiCommunicator& mpi) { return mpi.split(color, key); });
  MOE_REQUIRE(dynamic_cast<MpiCommunicator*>(split_mpi.get()) != nullptr,
              "NCCL communicator: MpiCommunicator::split no longer returns an MpiCommunicator");
  std::unique_ptr<MpiCommunicator> part(static_cast<MpiCommunicator*>(split_mpi.release()));
  return std::make_unique<NcclCommunicator>(std::move(part), torch::Device(torch::kCUDA, device_),
                                            timeout_seconds_);
}

}  // namespace moe::dist
