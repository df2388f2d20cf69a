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

}  // namespace

torch::Tensor all_gather_rows_with_grad(Communicator& comm, const torch::Tensor& local) {
  return AllGatherRows::apply(local, reinterpret_cast<int64_t>(&comm));
}

}  // namespace moe::dist
