// Implementation of the encoder's CPU matrix products (see cpu_matmul.h).
#include "model/cpu_matmul.h"

#include <ATen/record_function.h>

#include <atomic>
#include <numeric>
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

// The same written into `out` (rows of a larger output): no result of its own to copy.
void product_into(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& bias,
                  torch::Tensor out) {
  if (onednn_takes(a, b)) {
    RECORD_FUNCTION("moe::onednn_matmul", std::vector<c10::IValue>());
    if (onednn_product_into(a, b, bias, out)) return;
  }
  if (bias.defined())
    at::addmm_out(out, bias, a, b);
  else
    at::mm_out(out, a, b);
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

// Consecutive row groups, group g through weights[g] and biases[g]. Every product writes its
// rows of one output (and of one input gradient): no per-group results to concatenate, no
// per-group gradients to join. A group without rows gives its layer no gradient.
class GroupedLinear : public torch::autograd::Function<GroupedLinear> {
 public:
  static torch::Tensor forward(AutogradContext* context, const torch::Tensor& rows,
                               at::TensorList weights, at::TensorList biases,
                               const std::vector<int64_t>& rows_per_group) {
    variable_list saved = {rows};
    saved.insert(saved.end(), weights.begin(), weights.end());
    context->save_for_backward(saved);
    context->saved_data["rows_per_group"] = rows_per_group;
    torch::Tensor out = torch::empty({rows.size(0), weights[0].size(0)}, rows.options());
    int64_t first = 0;
    for (size_t g = 0; g < weights.size(); ++g) {
      const int64_t n = rows_per_group[g];
      if (n > 0)
        product_into(rows.narrow(0, first, n), weights[g].t(), biases[g], out.narrow(0, first, n));
      first += n;
    }
    return out;
  }

  static variable_list backward(AutogradContext* context, variable_list grad_outputs) {
    const variable_list saved = context->get_saved_variables();
    const std::vector<int64_t> rows_per_group = context->saved_data["rows_per_group"].toIntVector();
    const torch::Tensor& rows = saved[0];
    const torch::Tensor& grad = grad_outputs[0];
    const size_t groups = rows_per_group.size();
    // Gradients in input order: rows, every weight, every bias, (rows_per_group).
    variable_list grads(2 + 2 * groups);
    if (context->needs_input_grad(0)) grads[0] = torch::empty_like(rows);
    int64_t first = 0;
    for (size_t g = 0; g < groups; ++g) {
      const int64_t n = rows_per_group[g];
      if (n == 0) continue;
      const torch::Tensor grad_rows = grad.narrow(0, first, n);
      const torch::Tensor& weight = saved[1 + g];
      if (grads[0].defined()) product_into(grad_rows, weight, {}, grads[0].narrow(0, first, n));
      if (context->needs_input_grad(1 + g))
        grads[1 + g] = product(grad_rows.t(), rows.narrow(0, first, n), {});
      if (context->needs_input_grad(1 + groups + g)) grads[1 + groups + g] = grad_rows.sum(0);
      first += n;
    }
    return grads;
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

torch::Tensor grouped_linear(const torch::Tensor& rows, const std::vector<int64_t>& rows_per_group,
                             const std::vector<torch::nn::Linear>& layers) {
  MOE_REQUIRE(!layers.empty() && rows_per_group.size() == layers.size(),
              "grouped linear: need one row count per layer");
  MOE_REQUIRE(
      std::accumulate(rows_per_group.begin(), rows_per_group.end(), int64_t{0}) == rows.size(0),
      "grouped linear: the groups' row counts do not add up to the rows");
  std::vector<torch::Tensor> weights, biases;
  bool fits = rows.dim() == 2 && rows.device().is_cpu() && rows.scalar_type() == torch::kFloat32;
  for (const torch::nn::Linear& layer : layers) {
    weights.push_back(layer->weight);
    biases.push_back(layer->bias);
    fits = fits && layer->bias.defined() && layer->weight.device().is_cpu() &&
           layer->weight.scalar_type() == torch::kFloat32;
  }
  // TensorList, not the vectors: only a TensorList argument counts as differentiable inputs.
  if (fits)
    return GroupedLinear::apply(rows, at::TensorList(weights), at::TensorList(biases),
                                rows_per_group);
  // Elsewhere (CUDA, autocast, other dtypes): each group's own linear, concatenated.
  std::vector<torch::Tensor> blocks = rows.split_with_sizes(rows_per_group);
  for (size_t g = 0; g < layers.size(); ++g) blocks[g] = linear(blocks[g], layers[g]);
  return torch::cat(blocks);
}

torch::Tensor batched_matmul(const torch::Tensor& a, const torch::Tensor& b) {
  const bool same_batch = a.dim() >= 2 && a.dim() == b.dim() &&
                          a.sizes().slice(0, a.dim() - 2) == b.sizes().slice(0, b.dim() - 2);
  if (!same_batch || !onednn_takes(a, b)) return torch::matmul(a, b);
  return BatchedProduct::apply(a, b);
}

}  // namespace moe::model
