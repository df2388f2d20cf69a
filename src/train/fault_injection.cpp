// Implementation of the requested faults (see fault_injection.h).
#include "train/fault_injection.h"

#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <sstream>
#include <string>

#include "common/error.h"
#include "common/log.h"

namespace moe::train {
namespace {

// A non-negative integer that is all of `item`, or nothing.
std::optional<int64_t> parse_count(const std::string& item) {
  size_t used = 0;
  int64_t value = -1;
  try {
    value = std::stoll(item, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (used != item.size() || item.empty() || value < 0) return std::nullopt;
  return value;
}

// Positive integers separated by commas; `variable` names the list in errors.
std::vector<int64_t> parse_step_list(const std::string& text, const char* variable) {
  std::vector<int64_t> steps;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    const std::optional<int64_t> step = parse_count(item);
    MOE_REQUIRE(step && *step >= 1, variable, ": '", item,
                "' is not a step number (want positive integers separated by commas, got '", text,
                "')");
    steps.push_back(*step);
  }
  return steps;
}

// RANK:STEP, a rank number and a positive step.
RankAtStep parse_rank_at_step(const std::string& text, const char* variable) {
  const auto colon = text.find(':');
  const std::optional<int64_t> rank =
      colon == std::string::npos ? std::nullopt : parse_count(text.substr(0, colon));
  const std::optional<int64_t> step =
      colon == std::string::npos ? std::nullopt : parse_count(text.substr(colon + 1));
  MOE_REQUIRE(rank && step && *step >= 1, variable, ": '", text,
              "' is not RANK:STEP (for example 1:3: rank 1 at step 3)");
  return {static_cast<int>(*rank), *step};
}

const char* variable_value(const char* variable) {
  const char* value = std::getenv(variable);
  return value == nullptr || *value == '\0' ? nullptr : value;
}

}  // namespace

FaultPlan requested_faults() {
  FaultPlan plan;
  if (const char* v = variable_value("MOE_FAULT_NONFINITE_STEPS"))
    plan.nonfinite_steps = parse_step_list(v, "MOE_FAULT_NONFINITE_STEPS");
  if (const char* v = variable_value("MOE_FAULT_KILL_RANK"))
    plan.kill = parse_rank_at_step(v, "MOE_FAULT_KILL_RANK");
  if (const char* v = variable_value("MOE_FAULT_STALL_RANK"))
    plan.stall = parse_rank_at_step(v, "MOE_FAULT_STALL_RANK");
  if (const char* v = variable_value("MOE_FAULT_KILL_IN_CHECKPOINT")) {
    const std::vector<int64_t> steps = parse_step_list(v, "MOE_FAULT_KILL_IN_CHECKPOINT");
    MOE_REQUIRE(steps.size() == 1, "MOE_FAULT_KILL_IN_CHECKPOINT: want one step, got '", v, "'");
    plan.kill_in_checkpoint_step = steps.front();
  }
  return plan;
}

void act_on_rank_faults(const FaultPlan& plan, int rank, int64_t step) {
  if (plan.kill && plan.kill->rank == rank && plan.kill->step == step) {
    log::warn("fault", cat("MOE_FAULT_KILL_RANK: rank ", rank, " (pid ", getpid(),
                           ") sends itself SIGKILL at step ", step));
    std::raise(SIGKILL);
  }
  if (plan.stall && plan.stall->rank == rank && plan.stall->step == step) {
    log::warn("fault",
              cat("MOE_FAULT_STALL_RANK: rank ", rank, " stops responding at step ", step));
    for (;;) pause();  // until a signal ends the process
  }
}

model::TensorWrittenCallback checkpoint_fault_hook(const FaultPlan& plan, int64_t step) {
  if (plan.kill_in_checkpoint_step != step) return {};
  return [step](int64_t written, int64_t total) {
    if (2 * written < total) return;
    log::warn("fault", cat("MOE_FAULT_KILL_IN_CHECKPOINT: SIGKILL after ", written, " of ", total,
                           " tensors of step ", step, "'s checkpoint"));
    std::raise(SIGKILL);
  };
}

}  // namespace moe::train
