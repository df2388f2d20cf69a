// Communicator for one CUDA device: CUDA tensors travel over NCCL on a stream of its own,
// CPU tensors and host-side values (row counts, flags) over an MPI communicator of the same
// ranks, so learning the sizes of a collective never waits for the device.
#pragma once

#include <c10/cuda/CUDAStream.h>  // the NCCL stream comes from LibTorch's pool
#include <nccl.h>

#include <memory>
#include <string>
#include <vector>

#include "dist/communicator.h"
#include "dist/cuda/collective_watchdog.h"
#include "dist/cuda/cuda_event.h"
#include "dist/cuda/nccl_comm_handle.h"
#include "dist/mpi_communicator.h"

namespace moe::dist {

// Ordering (as in c10d's ProcessGroupNCCL): a collective's NCCL stream first waits for the
// work queued so far on LibTorch's current stream (which produced the inputs), and the
// current stream then waits for the collective, so results are ready for whatever the caller
// queues next; neither wait blocks the host. Tensors are marked as used by the NCCL stream so
// the caching allocator does not hand out their memory while NCCL still reads or writes it.
// Stats count payload bytes and host time, including the MPI exchange of row counts, but not
// the time the device spends in the collective.
class NcclCommunicator final : public Communicator {
 public:
  // Collective over `group`'s ranks (bootstrapped over it; it then carries the CPU traffic).
  // `device`: this rank's CUDA device (no index: the current one). A collective unfinished
  // after timeout_seconds, or an NCCL error, ends the job (see CollectiveWatchdog).
  NcclCommunicator(std::unique_ptr<MpiCommunicator> group, const torch::Device& device,
                   double timeout_seconds);
  // Waits for this rank's queued collectives, then frees the communicator (aborts it instead
  // when destroyed by an exception).
  ~NcclCommunicator() override;
  NcclCommunicator(const NcclCommunicator&) = delete;
  NcclCommunicator& operator=(const NcclCommunicator&) = delete;

  int rank() const override { return mpi_->rank(); }
  int size() const override { return mpi_->size(); }
  std::string backend_name() const override { return "nccl"; }
  std::vector<std::string> hosts() const override { return mpi_->hosts(); }

  void all_reduce_sum(torch::Tensor& tensor) override;
  torch::Tensor all_gather_rows(const torch::Tensor& local) override;
  torch::Tensor reduce_scatter_rows(const torch::Tensor& full,
                                    const std::vector<int64_t>& rows_per_rank) override;
  torch::Tensor all_to_all_rows(const torch::Tensor& send,
                                const std::vector<int64_t>& send_rows) override;
  std::vector<int64_t> all_gather_value(int64_t value) override;
  torch::Tensor gather_rows(const torch::Tensor& local, int root) override;
  void broadcast(torch::Tensor& tensor, int root) override;
  // Returns once every rank got here and this rank's collectives so far have completed.
  void barrier() override;
  // Splits the MPI communicator, then bootstraps a new NCCL communicator over each part.
  std::unique_ptr<Communicator> split(int color, int key) override;

 private:
  class Enqueue;     // brackets one collective's NCCL calls (ordering, watchdog, stats)
  struct Transfer {  // one peer's part of a grouped send/recv exchange
    int peer;
    void* buffer;
    size_t count;  // elements
  };

  // Grouped ncclSend/ncclRecv on the NCCL stream, skipping empty parts; the part a rank
  // sends itself becomes a device copy. Call inside an Enqueue.
  void exchange(const char* operation, const std::vector<Transfer>& sends,
                const std::vector<Transfer>& recvs, ncclDataType_t type, size_t element_size);
  // NCCL's type for `tensor`; throws unless it is on this communicator's device and of a
  // type NCCL moves.
  ncclDataType_t checked_type(const torch::Tensor& tensor, const char* operation) const;
  // "rank 1 of 4 (world rank 5, host n07, cuda:1)" for messages.
  std::string where() const;

  std::unique_ptr<MpiCommunicator> mpi_;  // first: the others are set up over it
  c10::DeviceIndex device_;
  double timeout_seconds_;
  NcclCommHandle comm_;
  c10::cuda::CUDAStream stream_;
  CudaEvent inputs_ready_;  // re-recorded on the current stream before each collective
  std::unique_ptr<CollectiveWatchdog> watchdog_;  // last: stopped before comm_ goes
};

}  // namespace moe::dist
