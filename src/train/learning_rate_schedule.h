// Learning-rate schedules: linear warm-up to the peak rate, then linear decay to zero at the
// last step, half-cosine decay to zero, or the peak rate held constant (train.schedule).
#pragma once

#include <cstdint>
#include <string>

namespace moe::train {

enum class LrSchedule { kLinear, kCosine, kConstant };

// "linear", "cosine" or "constant"; anything else is a moe::Error naming train.schedule.
LrSchedule parse_lr_schedule(const std::string& name);
std::string to_string(LrSchedule schedule);

// The rate for `step` (0-based) of `total_steps`. Warm-up is the same for every schedule:
// peak * (step + 1) / warmup_steps for the first warmup_steps steps.
double learning_rate_at(int64_t step, int64_t total_steps, int64_t warmup_steps, double peak,
                        LrSchedule schedule);
// The linear schedule (LrSchedule::kLinear).
double learning_rate_at(int64_t step, int64_t total_steps, int64_t warmup_steps, double peak);

}  // namespace moe::train
