// Linear warm-up to the peak rate, then linear decay to zero at the last step.
#pragma once

#include <cstdint>

namespace moe::train {

double learning_rate_at(int64_t step, int64_t total_steps, int64_t warmup_steps, double peak);

}  // namespace moe::train
