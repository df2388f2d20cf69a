// Faults on request, for the reliability tests (docs/RELIABILITY.md): the environment names
// them, so a test drives the real moe_train binary without a test-only build or config key.
//   MOE_FAULT_NONFINITE_STEPS=3,5       rank 0 poisons a gradient with NaN at training steps 3
//                                       and 5 (1-based, as logged), after the backward pass.
//   MOE_FAULT_KILL_RANK=1:3             rank 1 sends itself SIGKILL after step 3's backward
//                                       pass, while the other ranks go on to the next
//                                       collective (a node lost mid-step).
//   MOE_FAULT_STALL_RANK=1:3            rank 1 stops responding there instead (sleeps),
//                                       alive but silent, as a hung peer or a cut link looks.
//   MOE_FAULT_KILL_IN_CHECKPOINT=4      rank 0 sends itself SIGKILL halfway through writing
//                                       the checkpoint of step 4.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "model/checkpoint_file.h"

namespace moe::train {

struct RankAtStep {
  int rank = 0;
  int64_t step = 0;  // 1-based, as logged
};

struct FaultPlan {
  std::vector<int64_t> nonfinite_steps;
  std::optional<RankAtStep> kill;
  std::optional<RankAtStep> stall;
  int64_t kill_in_checkpoint_step = 0;  // 0: none
};

// The faults the environment requests (none when the variables are unset). Throws
// moe::Error naming the variable for a malformed value.
FaultPlan requested_faults();

// Carries out plan.kill or plan.stall when they name this rank and step; returns otherwise.
void act_on_rank_faults(const FaultPlan& plan, int rank, int64_t step);

// For write_checkpoint: rank 0's plan.kill_in_checkpoint_step carried out halfway through the
// checkpoint of `step`; an empty function otherwise.
model::TensorWrittenCallback checkpoint_fault_hook(const FaultPlan& plan, int64_t step);

}  // namespace moe::train
