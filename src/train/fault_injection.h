// Faults on request, for the reliability tests (docs/RELIABILITY.md): the environment names
// them, so a test drives the real moe_train binary without a test-only build or config key.
//   MOE_FAULT_NONFINITE_STEPS=3,5   rank 0 poisons a gradient with NaN at training steps 3
//                                   and 5 (1-based, as logged), after the backward pass.
#pragma once

#include <cstdint>
#include <vector>

namespace moe::train {

// The steps listed in MOE_FAULT_NONFINITE_STEPS (empty when unset). Throws moe::Error naming
// the variable for anything but positive integers separated by commas.
std::vector<int64_t> nonfinite_fault_steps();

}  // namespace moe::train
