// Preemption: SIGTERM and SIGUSR1 (what SLURM sends before it preempts or reaches a job's
// time limit, see slurm/) only set a flag; the trainer checks it after every step, the ranks
// agree, a checkpoint is written and moe_train exits with kPreemptedExitStatus so the job
// script can requeue itself.
#pragma once

#include <csignal>

namespace moe::train {

// EX_TEMPFAIL from sysexits.h: "try again later", the job resumes from its checkpoint.
inline constexpr int kPreemptedExitStatus = 75;

// Installs the handlers for its lifetime and restores the previous ones afterwards. One
// instance at a time.
class StopSignalHandler {
 public:
  StopSignalHandler();
  ~StopSignalHandler();
  StopSignalHandler(const StopSignalHandler&) = delete;
  StopSignalHandler& operator=(const StopSignalHandler&) = delete;

  // The signal received since installation, or 0.
  static int received();
  // Forgets a received signal (tests).
  static void clear();

 private:
  struct sigaction previous_term_ {};
  struct sigaction previous_usr1_ {};
};

}  // namespace moe::train
