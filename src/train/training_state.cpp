// Implementation of gather_training_state / restore_training_state (see training_state.h).
#include "train/training_state.h"

#include <set>

#include "common/error.h"
#include "train/optimizer_state_key.h"

namespace moe::train {
namespace {

using Named = std::vector<std::pair<std::string, torch::Tensor>>;

torch::optim::AdamWParamState* adam_state(torch::optim::AdamW& optimizer,
                                          const torch::Tensor& parameter) {
  auto& states = optimizer.state();
  const auto found = states.find(optimizer_state_key(optimizer, parameter));
  if (found == states.end()) return nullptr;
  return static_cast<torch::optim::AdamWParamState*>(found->second.get());
}

// exp_avg and exp_avg_sq of one parameter (zeros before the first step).
Named moments_of(torch::optim::AdamW& optimizer, const torch::Tensor& parameter) {
  const torch::optim::AdamWParamState* state = adam_state(optimizer, parameter);
  if (state == nullptr)
    return {{"exp_avg", torch::zeros_like(parameter)},
            {"exp_avg_sq", torch::zeros_like(parameter)}};
  return {{"exp_avg", state->exp_avg()}, {"exp_avg_sq", state->exp_avg_sq()}};
}

// The parameters the optimizer updates (the frozen pooler is not among them).
class OptimizedSet {
 public:
  explicit OptimizedSet(torch::optim::Optimizer& optimizer) {
    for (const auto& group : optimizer.param_groups())
      for (const torch::Tensor& p : group.params()) members_.insert(p.unsafeGetTensorImpl());
  }
  bool contains(const torch::Tensor& p) const { return members_.count(p.unsafeGetTensorImpl()); }

 private:
  std::set<const void*> members_;
};

torch::Tensor scalar(int64_t value) { return torch::tensor({value}, torch::kInt64).reshape({}); }
torch::Tensor scalar(double value) { return torch::tensor({value}, torch::kFloat64).reshape({}); }

const torch::Tensor& entry(const model::CheckpointContents& checkpoint, const std::string& path,
                           const std::string& name) {
  const auto found = checkpoint.training_state.find(name);
  MOE_REQUIRE(found != checkpoint.training_state.end(), "checkpoint ", path, ": /train/", name,
              " is missing (a model-only checkpoint cannot resume training)");
  return found->second;
}

}  // namespace

model::NamedTensors gather_training_state(const ExpertParallelModel& model,
                                          torch::optim::AdamW& optimizer,
                                          const std::vector<int64_t>& loader_state,
                                          const TrainingCounters& counters,
                                          const model::NamedTensors& other_parameters) {
  // Every parameter takes every step (gradients are zero-filled, gradient_sync.h), so one
  // step count describes them all.
  int64_t steps = 0;
  for (const auto& [name, parameter] : model.named_parameters())
    if (const auto* state = adam_state(optimizer, parameter))
      steps = std::max(steps, state->step());

  const OptimizedSet optimized(optimizer);
  const auto experts = model.gather_expert_tensors([&](const torch::Tensor& parameter) {
    return optimized.contains(parameter) ? moments_of(optimizer, parameter) : Named{};
  });
  model::NamedTensors state;
  for (const auto& [name, parameter] : model.named_parameters()) {
    if (!name.expert.empty() || !optimized.contains(parameter)) continue;
    for (const auto& [suffix, tensor] : moments_of(optimizer, parameter))
      state["optimizer/shared/" + name.name + "/" + suffix] = tensor.detach().to(torch::kCPU);
  }
  for (const auto& [name, parameter] : other_parameters) {
    state["parameters/" + name] = parameter.detach().to(torch::kCPU).clone();
    for (const auto& [suffix, tensor] : moments_of(optimizer, parameter))
      state["optimizer/other/" + name + "/" + suffix] = tensor.detach().to(torch::kCPU);
  }
  for (const auto& [domain, tensors] : experts)
    for (const auto& [name, tensor] : tensors)
      state["optimizer/experts/" + domain + "/" + name] = tensor;
  state["optimizer/step"] = scalar(steps);
  state["loader/state"] = torch::tensor(loader_state, torch::kInt64);
  state["counters/step"] = scalar(counters.step);
  state["counters/examples_turn"] = scalar(counters.examples_turn);
  state["counters/best_score"] = scalar(counters.best_score);
  state["counters/best_step"] = scalar(counters.best_step);
  state["counters/evaluations_without_improvement"] =
      scalar(counters.evaluations_without_improvement);
  state["counters/nonfinite_steps"] = scalar(counters.nonfinite_steps);
  return state;
}

RestoredTraining restore_training_state(const model::CheckpointContents& checkpoint,
                                        const std::string& path, ExpertParallelModel& model,
                                        torch::optim::AdamW& optimizer,
                                        const model::NamedTensors& other_parameters) {
  RestoredTraining restored;
  auto counter = [&](const std::string& name) {
    return entry(checkpoint, path, "counters/" + name);
  };
  restored.counters.step = counter("step").item<int64_t>();
  restored.counters.examples_turn = counter("examples_turn").item<int64_t>();
  restored.counters.best_score = counter("best_score").item<double>();
  restored.counters.best_step = counter("best_step").item<int64_t>();
  restored.counters.evaluations_without_improvement =
      counter("evaluations_without_improvement").item<int64_t>();
  // Absent from checkpoints written before the non-finite step policy.
  if (checkpoint.training_state.count("counters/nonfinite_steps") != 0)
    restored.counters.nonfinite_steps = counter("nonfinite_steps").item<int64_t>();
  const torch::Tensor loader = entry(checkpoint, path, "loader/state").contiguous();
  restored.loader_state.assign(loader.data_ptr<int64_t>(),
                               loader.data_ptr<int64_t>() + loader.numel());

  for (const auto& [name, parameter] : other_parameters) {
    const torch::Tensor& stored = entry(checkpoint, path, "parameters/" + name);
    MOE_REQUIRE(stored.sizes() == parameter.sizes(), "checkpoint ", path, ": /train/parameters/",
                name, " has shape ", stored.sizes(), " but ", parameter.sizes(), " is needed");
    torch::NoGradGuard no_grad;
    parameter.copy_(stored);
  }

  const int64_t steps = entry(checkpoint, path, "optimizer/step").item<int64_t>();
  if (steps == 0) return restored;  // AdamW creates its state at the first step
  const OptimizedSet optimized(optimizer);
  std::vector<std::pair<std::string, torch::Tensor>> trained;  // state prefix -> parameter
  for (const auto& [name, parameter] : model.named_parameters())
    if (optimized.contains(parameter))
      trained.emplace_back(name.expert.empty()
                               ? "optimizer/shared/" + name.name
                               : "optimizer/experts/" + name.expert + "/" + name.name,
                           parameter);
  for (const auto& [name, parameter] : other_parameters)
    trained.emplace_back("optimizer/other/" + name, parameter);
  for (const auto& [prefix, parameter] : trained) {
    auto moment = [&](const char* suffix) {
      const torch::Tensor& stored = entry(checkpoint, path, prefix + "/" + suffix);
      MOE_REQUIRE(stored.sizes() == parameter.sizes(), "checkpoint ", path, ": /train/", prefix,
                  "/", suffix, " has shape ", stored.sizes(), " but the parameter has ",
                  parameter.sizes());
      return stored.to(parameter.options()).clone();
    };
    auto state = std::make_unique<torch::optim::AdamWParamState>();
    state->step(steps);
    state->exp_avg(moment("exp_avg"));
    state->exp_avg_sq(moment("exp_avg_sq"));
    optimizer.state()[optimizer_state_key(optimizer, parameter)] = std::move(state);
  }
  return restored;
}

}  // namespace moe::train
