// Implementation of the encoder's CPU matrix products (see cpu_matmul.h).
#include "model/cpu_matmul.h"

#include <ATen/record_function.h>

#include <atomic>
#include <vector>

#include "common/error.h"
#include "model/onednn_product.h"

namespace moe::model {

namespace {

std::atomic<CpuMatmul>& chosen() {
  static std::atomic<CpuMatmul> choice{onednn_built() ? CpuMatmul::onednn : CpuMatmul::aten};
  return choice;
}

bool onednn_takes(const torch::Tensor& a, const torch::Tensor& b) {
  return cpu_matmul() == CpuMatmul::onednn && a.device().is_cpu() && b.device().is_cpu() &&
         a.scalar_type() == torch::kFloat32 && b.scalar_type() == torch::kFloat32 &&
         a.numel() > 0 && b.numel() > 0;
}

// a · b (+ bias), by oneDNN when it can, else LibTorch; never records a graph.
torch::Tensor product(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& bias) {
  if (onednn_takes(a, b)) {
    // Named in LibTorch's profiler traces (moe_bench --profile), which otherwise see no operator.
    RECORD_FUNCTION("moe::onednn_matmul", std::vector<c10::IValue>());
    torch::Tensor out = onednn_product(a, b, bias);
    if (out.defined()) return out;
  }
  torch::Tensor out = torch::matmul(a, b);
  return bias.defined() ? out.add_(bias) : out;
}

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// The gradients of input [rows, in] and weight [out, in] in y = input · weightᵀ (+ bias), read
// from the saved operands through transposed views.
variable_list linear_input_and_weight_grads(AutogradContext* context, const torch::Tensor& grad) {
  const variable_list saved = context->get_saved_variables();
  torch::Tensor grad_input, grad_weight;
  if (context->needs_input_grad(0)) grad_input = product(grad, saved[1], {});
  if (context->needs_input_grad(1)) grad_weight = product(grad.t(), saved[0], {});
  return {grad_input, grad_weight};
}

// Two functions because LibTorch 1.13's custom functions take no undefined tensor input.
class BiasedLinear : public torch::autograd::Function<BiasedLinear> {
 public:
  static torch::Tensor forward(AutogradContext* context, const torch::Tensor& input,
                               const torch::Tensor& weight, const torch::Tensor& bias) {
    context->save_for_backward({input, weight});
    return product(input, weight.t(), bias);
  }

  static variable_list backward(AutogradContext* context, variable_list grad_outputs) {
    variable_list grads = linear_input_and_weight_grads(context, grad_outputs[0]);
    grads.push_back(context->needs_input_grad(2) ? grad_outputs[0].sum(0) : torch::Tensor());
    return grads;
  }
};

class UnbiasedLinear : public torch::autograd::Function<UnbiasedLinear> {
 public:
  static torch::Tensor forward(AutogradContext* context, const torch::Tensor& input,
                               const torch::Tensor& weight) {
    context->save_for_backward({input, weight});
    return product(input, weight.t(), {});
  }

  static variable_list backward(AutogradContext* context, variable_list grad_outputs) {
    return linear_input_and_weight_grads(context, grad_outputs[0]);
  }
};

torch::Tensor linear_rows(const torch::Tensor& input, const torch::Tensor& weight,
                          const torch::Tensor& bias) {
  return bias.defined() ? BiasedLinear::apply(input, weight, bias)
                        : UnbiasedLinear::apply(input, weight);
}

class BatchedProduct : public torch::autograd::Function<BatchedProduct> {
 public:
  static torch::Tensor forward(AutogradContext* context, const torch::Tensor& a,
                               const torch::Tensor& b) {
    context->save_for_backward({a, b});
    return product(a, b, {});
  }

  static variable_list backward(AutogradContext* context, variable_list grad_outputs) {
    const variable_list saved = context->get_saved_variables();
    const torch::Tensor& grad = grad_outputs[0];
    torch::Tensor grad_a, grad_b;
    if (context->needs_input_grad(0)) grad_a = product(grad, saved[1].transpose(-1, -2), {});
    if (context->needs_input_grad(1)) grad_b = product(saved[0].transpose(-1, -2), grad, {});
    return {grad_a, grad_b};
  }
};

}  // namespace

CpuMatmul parse_cpu_matmul(const std::string& name) {
  if (name == "aten") return CpuMatmul::aten;
  if (name == "onednn") return CpuMatmul::onednn;
  throw Error(cat("CPU matrix products '", name, "' is not one of aten, onednn"));
}

const char* to_string(CpuMatmul choice) { return choice == CpuMatmul::onednn ? "onednn" : "aten"; }

void set_cpu_matmul(CpuMatmul choice) {
  MOE_REQUIRE(choice != CpuMatmul::onednn || onednn_built(),
              "CPU matrix products 'onednn': this build has no oneDNN (install libdnnl-dev and "
              "reconfigure)");
  chosen().store(choice);
}

CpuMatmul cpu_matmul() { return chosen().load(); }

torch::Tensor linear(const torch::Tensor& input, const torch::Tensor& weight,
                     const torch::Tensor& bias) {
  if (!onednn_takes(input, weight)) return torch::nn::functional::linear(input, weight, bias);
  if (input.dim() == 2) return linear_rows(input, weight, bias);
  std::vector<int64_t> sizes(input.sizes().begin(), input.sizes().end());
  sizes.back() = weight.size(0);
  return linear_rows(input.reshape({-1, input.size(-1)}), weight, bias).view(sizes);
}

torch::Tensor batched_matmul(const torch::Tensor& a, const torch::Tensor& b) {
  const bool same_batch = a.dim() >= 2 && a.dim() == b.dim() &&
                          a.sizes().slice(0, a.dim() - 2) == b.sizes().slice(0, b.dim() - 2);
  if (!same_batch || !onednn_takes(a, b)) return torch::matmul(a, b);
  return BatchedProduct::apply(a, b);
}

}  // namespace moe::model
