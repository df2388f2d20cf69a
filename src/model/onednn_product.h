// One matrix product through oneDNN's matmul primitive (the kernel behind cpu_matmul.h).
#pragma once

#include <torch/torch.h>

namespace moe::model {

// Whether this build links oneDNN (CMake found libdnnl-dev).
bool onednn_built();

// a [..., M, K] · b [..., K, N] (+ bias [N] on every row) for CPU float32 operands with the same
// leading dimensions, read with their own strides; a fresh contiguous [..., M, N]. An undefined
// tensor when oneDNN cannot do it fast: no oneDNN in this build, or only its reference kernel
// for these operands even after making them contiguous. The caller falls back to LibTorch.
torch::Tensor onednn_product(const torch::Tensor& a, const torch::Tensor& b,
                             const torch::Tensor& bias);

// The same written into `out` ([..., M, N], any positive strides, for example rows of a larger
// output); false (out untouched) where onednn_product would return an undefined tensor.
bool onednn_product_into(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& bias,
                         torch::Tensor& out);

}  // namespace moe::model
