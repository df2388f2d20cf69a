// Picks the Communicator backend for the device a rank computes on: MPI for the CPU, NCCL
// (plus MPI for CPU tensors) for a CUDA device. Compiled in every build.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "dist/communicator.h"
#include "dist/mpi_communicator.h"

namespace moe::dist {

// Collective over world's ranks; the result has its own MPI communicator (a duplicate of
// world's), so its traffic never mixes with world's. For CUDA, a collective unfinished after
// timeout_seconds ends the job (ignored for the CPU). Throws moe::Error for a CUDA device in
// a build without CUDA, or for any other kind of device.
std::unique_ptr<Communicator> make_device_communicator(MpiCommunicator& world,
                                                       const torch::Device& device,
                                                       double timeout_seconds);

// Whether this build has the NCCL backend (configured with -DMOE_WITH_CUDA=ON).
bool built_with_cuda();

}  // namespace moe::dist
