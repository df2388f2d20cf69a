// Implementation of FusedAdamW (see fused_adamw.h).
#include "train/fused_adamw.h"

#include <ATen/Parallel.h>

#include <cmath>
#include <memory>

#include "train/optimizer_state_key.h"

namespace moe::train {
namespace {

bool fuses(const torch::Tensor& tensor) {
  return tensor.device().is_cpu() && tensor.scalar_type() == torch::kFloat32 &&
         tensor.layout() == torch::kStrided && tensor.is_contiguous();
}

// One AdamW update of `parameter`, in the order of LibTorch's AdamW::step.
void update(torch::Tensor& parameter, const torch::Tensor& grad, torch::Tensor& exp_avg,
            torch::Tensor& exp_avg_sq, const torch::optim::AdamWOptions& options, int64_t step) {
  const double beta1 = std::get<0>(options.betas()), beta2 = std::get<1>(options.betas());
  const auto decay = static_cast<float>(1.0 - options.lr() * options.weight_decay());
  const bool decays = options.weight_decay() != 0.0;
  const auto step_size = static_cast<float>(options.lr() / (1.0 - std::pow(beta1, step)));
  const auto bias_correction2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(beta2, step)));
  const auto b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const auto one_minus_b1 = static_cast<float>(1.0 - beta1);
  const auto one_minus_b2 = static_cast<float>(1.0 - beta2);
  const auto eps = static_cast<float>(options.eps());
  float* p = parameter.data_ptr<float>();
  const float* g = grad.data_ptr<float>();
  float* m = exp_avg.data_ptr<float>();
  float* v = exp_avg_sq.data_ptr<float>();
  at::parallel_for(0, parameter.numel(), 16384, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float value = decays ? p[i] * decay : p[i];
      m[i] = m[i] * b1 + g[i] * one_minus_b1;
      v[i] = v[i] * b2 + one_minus_b2 * (g[i] * g[i]);
      const float denominator = std::sqrt(v[i]) / bias_correction2_sqrt + eps;
      p[i] = value - step_size * (m[i] / denominator);
    }
  });
}

}  // namespace

bool FusedAdamW::every_parameter_fuses() const {
  for (const auto& group : param_groups()) {
    if (static_cast<const torch::optim::AdamWOptions&>(group.options()).amsgrad()) return false;
    for (const auto& parameter : group.params())
      if (parameter.grad().defined() && !(fuses(parameter) && fuses(parameter.grad())))
        return false;
  }
  return true;
}

torch::Tensor FusedAdamW::step(LossClosure closure) {
  if (!every_parameter_fuses()) return torch::optim::AdamW::step(closure);
  torch::NoGradGuard no_grad;
  torch::Tensor loss;
  if (closure != nullptr) {
    at::AutoGradMode enable_grad(true);
    loss = closure();
  }
  for (auto& group : param_groups()) {
    const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
    for (auto& parameter : group.params()) {
      if (!parameter.grad().defined()) continue;
      auto& slot = state()[optimizer_state_key(*this, parameter)];
      if (!slot) {
        auto fresh = std::make_unique<torch::optim::AdamWParamState>();
        fresh->exp_avg(torch::zeros_like(parameter));
        fresh->exp_avg_sq(torch::zeros_like(parameter));
        slot = std::move(fresh);
      }
      auto& moments = static_cast<torch::optim::AdamWParamState&>(*slot);
      if (!fuses(moments.exp_avg()) || !fuses(moments.exp_avg_sq())) {
        // Moments restored in another layout: make them contiguous once.
        moments.exp_avg(moments.exp_avg().contiguous());
        moments.exp_avg_sq(moments.exp_avg_sq().contiguous());
      }
      moments.step(moments.step() + 1);
      update(parameter, parameter.grad(), moments.exp_avg(), moments.exp_avg_sq(), options,
             moments.step());
    }
  }
  return loss;
}

}  // namespace moe::train
