// Implementation of onednn_product (see onednn_product.h).
#include "model/onednn_product.h"

#ifdef MOE_WITH_ONEDNN
#include <cstring>
#include <oneapi/dnnl/dnnl.hpp>
#include <unordered_map>
#include <vector>
#endif

namespace moe::model {

#ifndef MOE_WITH_ONEDNN

bool onednn_built() { return false; }

torch::Tensor onednn_product(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&) {
  return {};
}

bool onednn_product_into(const torch::Tensor&, const torch::Tensor&, const torch::Tensor&,
                         torch::Tensor&) {
  return false;
}

#else

namespace {

using dnnl::memory;

memory::desc describe(const torch::Tensor& t) {
  return memory::desc(memory::dims(t.sizes().begin(), t.sizes().end()), memory::data_type::f32,
                      memory::dims(t.strides().begin(), t.strides().end()));
}

// A zero stride (an expanded tensor) or a negative one cannot be described to oneDNN.
bool has_plain_strides(const torch::Tensor& t) {
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.size(d) > 1 && t.stride(d) <= 0) return false;
  return true;
}

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// oneDNN's reference kernels are correct but far slower than LibTorch's BLAS.
bool is_reference_kernel(const dnnl::matmul::primitive_desc& pd) {
  return std::strncmp(pd.impl_info_str(), "ref", 3) == 0;
}

// The primitive for these operands' layouts, or none when only the reference kernel takes
// them (or oneDNN rejects them). oneDNN caches compiled kernels by layout, so a repeated
// shape costs only the descriptor.
bool describe_product(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& bias,
                      const torch::Tensor& out, dnnl::matmul::primitive_desc& pd) {
  try {
    const memory::desc out_md = describe(out);
    if (bias.defined()) {
      // The bias is one row, broadcast over every leading dimension and row of the output.
      memory::dims bias_dims(out.dim(), 1);
      bias_dims.back() = out.size(-1);
      memory::dims bias_strides(out.dim(), out.size(-1));
      bias_strides.back() = 1;
      const memory::desc bias_md(bias_dims, memory::data_type::f32, bias_strides);
      pd = dnnl::matmul::primitive_desc(
          dnnl::matmul::desc(describe(a), describe(b), bias_md, out_md), cpu_engine());
    } else {
      pd = dnnl::matmul::primitive_desc(dnnl::matmul::desc(describe(a), describe(b), out_md),
                                        cpu_engine());
    }
  } catch (const dnnl::error&) {
    return false;
  }
  return !is_reference_kernel(pd);
}

}  // namespace

bool onednn_built() { return true; }

torch::Tensor onednn_product(const torch::Tensor& a, const torch::Tensor& b,
                             const torch::Tensor& bias) {
  std::vector<int64_t> out_sizes(a.sizes().begin(), a.sizes().end());
  out_sizes.back() = b.size(-1);
  torch::Tensor out = torch::empty(out_sizes, a.options());
  return onednn_product_into(a, b, bias, out) ? out : torch::Tensor();
}

bool onednn_product_into(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& bias,
                         torch::Tensor& out) {
  torch::Tensor left = has_plain_strides(a) ? a : a.contiguous();
  torch::Tensor right = has_plain_strides(b) ? b : b.contiguous();
  const torch::Tensor bias_values = bias.defined() ? bias.contiguous() : bias;

  dnnl::matmul::primitive_desc pd;
  if (!describe_product(left, right, bias_values, out, pd)) {
    left = left.contiguous();
    right = right.contiguous();
    if (!describe_product(left, right, bias_values, out, pd)) return false;
  }
  const dnnl::engine& engine = cpu_engine();
  thread_local dnnl::stream stream(engine);
  std::unordered_map<int, memory> arguments{
      {DNNL_ARG_SRC, memory(pd.src_desc(), engine, left.data_ptr())},
      {DNNL_ARG_WEIGHTS, memory(pd.weights_desc(), engine, right.data_ptr())},
      {DNNL_ARG_DST, memory(pd.dst_desc(), engine, out.data_ptr())}};
  if (bias_values.defined())
    arguments.emplace(DNNL_ARG_BIAS, memory(pd.bias_desc(), engine, bias_values.data_ptr()));
  dnnl::matmul(pd).execute(stream, arguments);
  stream.wait();
  return true;
}

#endif  // MOE_WITH_ONEDNN

}  // namespace moe::model
