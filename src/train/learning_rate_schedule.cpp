// Implementation of the learning-rate schedule (see learning_rate_schedule.h).
#include "train/learning_rate_schedule.h"

#include <algorithm>

namespace moe::train {

double learning_rate_at(int64_t step, int64_t total_steps, int64_t warmup_steps, double peak) {
  if (warmup_steps > 0 && step < warmup_steps)
    return peak * static_cast<double>(step + 1) / static_cast<double>(warmup_steps);
  const int64_t decay_steps = std::max<int64_t>(1, total_steps - warmup_steps);
  const double remaining = static_cast<double>(total_steps - step) / decay_steps;
  return peak * std::clamp(remaining, 0.0, 1.0);
}

}  // namespace moe::train
