// Autograd functions behind differentiable_collectives.h.
#include "dist/differentiable_collectives.h"

#include <cstdint>

namespace moe::dist {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The communicator is passed through the context as an address: it outlives the step.
Communicator* communicator_from(AutogradContext* ctx) {
  return reinterpret_cast<Communicator*>(ctx->saved_data["comm"].toInt());
}

struct AllGatherRows : public torch::autograd::Function<AllGatherRows> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& local,
                               int64_t comm_address) {
    auto* comm = reinterpret_cast<Communicator*>(comm_address);
    std::vector<int64_t> rows = comm->all_gather_value(local.size(0));
    ctx->saved_data["comm"] = comm_address;
    ctx->saved_data["rows"] = rows;
    return comm->all_gather_rows(local.contiguous());
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    Communicator* comm = communicator_from(ctx);
    const std::vector<int64_t> rows = ctx->saved_data["rows"].toIntVector();
    torch::Tensor grad_local = comm->reduce_scatter_rows(grad_outputs[0].contiguous(), rows);
    return {grad_local, torch::Tensor()};
  }
};

struct AllToAllRows : public torch::autograd::Function<AllToAllRows> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& send,
                               int64_t comm_address, std::vector<int64_t> send_rows,
                               std::vector<int64_t> received_rows) {
    auto* comm = reinterpret_cast<Communicator*>(comm_address);
    ctx->saved_data["comm"] = comm_address;
    ctx->saved_data["received_rows"] = received_rows;
    return comm->all_to_all_rows(send.contiguous(), send_rows);
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_outputs) {
    Communicator* comm = communicator_from(ctx);
    const std::vector<int64_t> received = ctx->saved_data["received_rows"].toIntVector();
    torch::Tensor grad = comm->all_to_all_rows(grad_outputs[0].contiguous(), received);
    return {grad, torch::Tensor(), torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor all_to_all_rows_with_grad(Communicator& comm, const torch::Tensor& send,
                                        const std::vector<int64_t>& send_rows,
                                        std::vector<int64_t>* received_rows) {
  // Each rank learns how many rows every other rank sends it: the backward's send counts.
  const torch::Tensor counts = torch::tensor(send_rows, torch::kInt64).reshape({-1, 1});
  const torch::Tensor received_counts =
      comm.all_to_all_rows(counts, std::vector<int64_t>(send_rows.size(), 1));
  std::vector<int64_t> received(received_counts.data_ptr<int64_t>(),
                                received_counts.data_ptr<int64_t>() + received_counts.numel());
  if (received_rows != nullptr) *received_rows = received;
  return AllToAllRows::apply(send, reinterpret_cast<int64_t>(&comm), send_rows, received);
}

torch::Tensor all_gather_rows_with_grad(Communicator& comm, const torch::Tensor& local) {
  return AllGatherRows::apply(local, reinterpret_cast<int64_t>(&comm));
}

}  // namespace moe::dist
