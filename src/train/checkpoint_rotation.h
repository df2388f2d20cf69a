// Where a run's checkpoints live and which one a run resumes from:
//   run.dir/step-00000500.h5   periodic and preemption checkpoints (the newest K kept)
//   run.dir/<checkpoint.name>  the checkpoint written when training ends
// Both kinds carry the training state (train/training_state.h), so either can be resumed.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace moe::train {

// run_dir/step-<step, 8 digits>.h5
std::string step_checkpoint_path(const std::string& run_dir, int64_t step);

struct StepCheckpoint {
  int64_t step = 0;
  std::string path;
};

// The step-<N>.h5 files in run_dir, oldest first (unfinished *.tmp files are ignored).
std::vector<StepCheckpoint> list_step_checkpoints(const std::string& run_dir);

// Deletes all but the newest `keep` step checkpoints.
void remove_old_step_checkpoints(const std::string& run_dir, int keep);

// Deletes the *.h5.tmp files in run_dir, left by a writer that was stopped mid-write (they
// never replaced a checkpoint, see write_checkpoint); returns their paths, sorted.
std::vector<std::string> remove_unfinished_checkpoints(const std::string& run_dir);

// The checkpoint to resume from for checkpoint.resume = `setting`: "never" -> ""; a path ->
// that path (an error naming it when it does not exist); "auto" -> the newest of the step
// checkpoints and run_dir/final_name by their stored step, or "" when there is none.
std::string choose_resume_checkpoint(const std::string& setting, const std::string& run_dir,
                                     const std::string& final_name);

}  // namespace moe::train
