// Sums gradients over a communicator in flattened buckets (one collective per bucket
// instead of one per parameter).
//
// Why a sum and not an average: the trainer normalises each rank's loss by the GLOBAL
// batch size, so the sum over ranks of the local gradients is exactly the gradient of
// the mean loss over the global batch. This holds for shared parameters (summed over all
// ranks) and for experts (summed over their replica group), whatever the number of
// examples each rank or expert happened to receive.
#pragma once

#include <torch/torch.h>

#include <vector>

#include "dist/communicator.h"

namespace moe::dist {

// A parameter without a gradient (e.g. an expert that received no example this step) is
// given a zero gradient first, so every rank issues the same collectives and the optimizer
// update does not depend on the placement.
void sum_gradients(Communicator& comm, const std::vector<torch::Tensor>& parameters,
                   int64_t bucket_bytes = 16 << 20);

}  // namespace moe::dist
