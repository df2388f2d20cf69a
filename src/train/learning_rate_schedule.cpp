// Implementation of the learning-rate schedules (see learning_rate_schedule.h).
#include "train/learning_rate_schedule.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace moe::train {

LrSchedule parse_lr_schedule(const std::string& name) {
  if (name == "linear") return LrSchedule::kLinear;
  if (name == "cosine") return LrSchedule::kCosine;
  if (name == "constant") return LrSchedule::kConstant;
  throw Error(cat("train.schedule: expected linear, cosine or constant, got '", name, "'"));
}

std::string to_string(LrSchedule schedule) {
  switch (schedule) {
    case LrSchedule::kLinear:
      return "linear";
    case LrSchedule::kCosine:
      return "cosine";
    case LrSchedule::kConstant:
      return "constant";
  }
  return "unknown";
}

double learning_rate_at(int64_t step, int64_t total_steps, int64_t warmup_steps, double peak,
                        LrSchedule schedule) {
  if (warmup_steps > 0 && step < warmup_steps)
    return peak * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  if (schedule == LrSchedule::kConstant) return peak;
  // Progress through the decay: 0 at the end of warm-up, 1 at total_steps and after.
  const int64_t decay_steps = std::max<int64_t>(1, total_steps - warmup_steps);
  const double remaining = static_cast<double>(total_steps - step) / decay_steps;
  const double left = std::clamp(remaining, 0.0, 1.0);
  if (schedule == LrSchedule::kLinear) return peak * left;
  const double pi = std::acos(-1.0);
  return peak * 0.5 * (1.0 + std::cos(pi * (1.0 - left)));
}

double learning_rate_at(int64_t step, int64_t total_steps, int64_t warmup_steps, double peak) {
  return learning_rate_at(step, total_steps, warmup_steps, peak, LrSchedule::kLinear);
}

}  // namespace moe::train
