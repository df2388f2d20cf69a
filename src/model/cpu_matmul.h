// The encoder's matrix products on the CPU: oneDNN's batched JIT kernels when the build has
// oneDNN (Debian's libdnnl-dev, the library LibTorch itself links), LibTorch otherwise.
//
// Why not LibTorch: 1.13 hands float32 CPU products to the system BLAS. On the development
// machine (AVX-512) OpenBLAS runs the projections and feed-forward products at 130-220
// GFLOP/s and loops over attention's small per-head products one call at a time (45-60);
// oneDNN runs the same products at 260-420 and 240-300 (docs/BENCHMARKS.md).
//
// Both functions are differentiable (their backward is products again), accept any
// positive strides (head splits and transposes are read in place, not copied) and return
// contiguous tensors. Only CPU float32 operands take the oneDNN path; CUDA, float64,
// bfloat16, empty operands, a build without oneDNN or set_cpu_matmul(aten) call LibTorch.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace moe::model {

enum class CpuMatmul { aten, onednn };

// "aten" or "onednn"; anything else is a moe::Error listing both.
CpuMatmul parse_cpu_matmul(const std::string& name);
const char* to_string(CpuMatmul choice);

// The process-wide choice, onednn where built (onednn_product.h: onednn_built). Choosing onednn in
// a build without it is a moe::Error. Meant to be set once at start (benchmarks compare the two).
void set_cpu_matmul(CpuMatmul choice);
CpuMatmul cpu_matmul();

// torch::nn::functional::linear: input [..., in] · weightᵀ ([out, in]) + bias ([out], or an
// undefined tensor for none).
torch::Tensor linear(const torch::Tensor& input, const torch::Tensor& weight,
                     const torch::Tensor& bias);
inline torch::Tensor linear(const torch::Tensor& input, const torch::nn::Linear& layer) {
  return linear(input, layer->weight, layer->bias);
}

// Rows [N, in] in consecutive groups of rows_per_group (summing to N), group g through
// layers[g] (all [out, in] with a bias): [N, out]. On the CPU in float32 every group's product
// writes its rows of one output and, in the backward, of one input gradient (the experts of a
// mixture-of-experts layer without a concatenation or a split); a group without rows gives its
// layer no gradient. Elsewhere each group's linear, concatenated.
torch::Tensor grouped_linear(const torch::Tensor& rows, const std::vector<int64_t>& rows_per_group,
                             const std::vector<torch::nn::Linear>& layers);

// a [..., M, K] · b [..., K, N] with the same leading dimensions (no broadcasting; anything
// else goes to torch::matmul).
torch::Tensor batched_matmul(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace moe::model
