// Collectives that take part in autograd, so losses can span ranks.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "dist/communicator.h"

namespace moe::dist {

// Concatenates every rank's rows (rank order). Backward: each rank receives the sum over
// all ranks of the gradient for its own rows (a reduce-scatter), so a loss computed on
// every rank from the gathered tensor back-propagates its full contribution to the owner.
// Every rank of `comm` must call it, also with zero local rows.
torch::Tensor all_gather_rows_with_grad(Communicator& comm, const torch::Tensor& local);

// Rows [offset_p, offset_p + send_rows[p]) of `send` go to rank p; returns the rows received
// from every rank in rank order (their counts in *received_rows when not null). Backward: the
// reverse all-to-all, so each sent row gets the gradient of the row it became. Every rank of
// `comm` must call it, also with nothing to send.
torch::Tensor all_to_all_rows_with_grad(Communicator& comm, const torch::Tensor& send,
                                        const std::vector<int64_t>& send_rows,
                                        std::vector<int64_t>* received_rows = nullptr);

}  // namespace moe::dist
