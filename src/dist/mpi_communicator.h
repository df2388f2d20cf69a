// Communicator over an MPI communicator for CPU tensors; no collective waits forever
// (collective_watch.h).
#pragma once

#include <mpi.h>

#include "dist/collective_watch.h"
#include "dist/communicator.h"

namespace moe::dist {

class MpiCommunicator final : public Communicator {
 public:
  // Wraps MPI_COMM_WORLD (not freed) or takes ownership of a derived communicator.
  static std::unique_ptr<MpiCommunicator> world();
  // A communicator of this process alone (single-process reference runs in tests).
  static std::unique_ptr<MpiCommunicator> self();
  // Collective: the same ranks over a new MPI communicator (MPI_Comm_dup), whose messages
  // never match this one's, so another backend can keep its own traffic apart.
  std::unique_ptr<MpiCommunicator> duplicate() const;
  ~MpiCommunicator() override;
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string backend_name() const override { return "mpi"; }
  std::vector<std::string> hosts() const override;

  void all_reduce_sum(torch::Tensor& tensor) override;
  torch::Tensor all_gather_rows(const torch::Tensor& local) override;
  torch::Tensor reduce_scatter_rows(const torch::Tensor& full,
                                    const std::vector<int64_t>& rows_per_rank) override;
  torch::Tensor all_to_all_rows(const torch::Tensor& send,
                                const std::vector<int64_t>& send_rows) override;
  std::vector<int64_t> all_gather_value(int64_t value) override;
  torch::Tensor gather_rows(const torch::Tensor& local, int root) override;
  void broadcast(torch::Tensor& tensor, int root) override;
  void barrier() override;
  std::unique_ptr<Communicator> split(int color, int key) override;

  MPI_Comm handle() const { return comm_; }

  // Seconds a collective may take before the job is ended (collective_watch.h); communicators
  // made by duplicate() and split() inherit it.
  void set_timeout(double seconds);

 private:
  MpiCommunicator(MPI_Comm comm, bool owned, double timeout_seconds);

  MPI_Comm comm_;
  bool owned_;
  int rank_ = 0;
  int size_ = 1;
  CollectiveWaitRules wait_rules_;
};

}  // namespace moe::dist
