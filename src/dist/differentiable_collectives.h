// Collectives that take part in autograd, so losses can span ranks.
#pragma once

#include <torch/torch.h>

#include "dist/communicator.h"

namespace moe::dist {

// Concatenates every rank's rows (rank order). Backward: each rank receives the sum over
// all ranks of the gradient for its own rows (a reduce-scatter), so a loss computed on
// every rank from the gathered tensor back-propagates its full contribution to the owner.
// Every rank of `comm` must call it, also with zero local rows.
torch::Tensor all_gather_rows_with_grad(Communicator& comm, const torch::Tensor& local);

}  // namespace moe::dist
