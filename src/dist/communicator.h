// The collective operations the trainer and the model need, over tensors, independent of
// the transport. Backends: MPI (CPU tensors, mpi_communicator.h); NCCL (CUDA tensors,
// behind MOE_WITH_CUDA). Every rank of a communicator must call the same collectives in
// the same order; all of them take row counts along dim 0 where sizes may differ by rank.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace moe::dist {

// Time spent inside collectives and payload bytes this rank sent, for the step log.
struct CommunicationStats {
  double seconds = 0.0;
  int64_t bytes_sent = 0;
  int64_t calls = 0;
};

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual std::string backend_name() const = 0;
  // The host each rank runs on, in rank order (for node-aware placement; expert_placement.h).
  virtual std::vector<std::string> hosts() const = 0;

  // In place: tensor = sum over ranks. Contiguous tensor of the same shape on every rank.
  virtual void all_reduce_sum(torch::Tensor& tensor) = 0;
  // Rank r contributes `local` (rows_r × ...); returns the rows of every rank in rank order.
  // Trailing dims must agree; row counts may differ (each rank learns them first).
  virtual torch::Tensor all_gather_rows(const torch::Tensor& local) = 0;
  // The inverse of all_gather_rows for gradients: `full` holds every rank's rows (same shape
  // on all ranks); returns the sum over ranks of this rank's slice (rows_per_rank[rank()]).
  virtual torch::Tensor reduce_scatter_rows(const torch::Tensor& full,
                                            const std::vector<int64_t>& rows_per_rank) = 0;
  // Rows [offset_p, offset_p + send_rows[p]) of `send` go to rank p; returns the rows
  // received from every rank in rank order. Row counts are exchanged internally.
  virtual torch::Tensor all_to_all_rows(const torch::Tensor& send,
                                        const std::vector<int64_t>& send_rows) = 0;
  // Every rank learns every rank's value (used for row counts and agreement flags).
  virtual std::vector<int64_t> all_gather_value(int64_t value) = 0;
  // Rows of every rank concatenated on `root` (empty tensor elsewhere).
  virtual torch::Tensor gather_rows(const torch::Tensor& local, int root) = 0;
  virtual void broadcast(torch::Tensor& tensor, int root) = 0;
  virtual void barrier() = 0;

  // Ranks with equal color form a new communicator, ordered by key.
  virtual std::unique_ptr<Communicator> split(int color, int key) = 0;

  const CommunicationStats& stats() const { return stats_; }
  void reset_stats() { stats_ = {}; }

 protected:
  CommunicationStats stats_;
};

}  // namespace moe::dist
