// Passive OpenMP waiting for our programs. LibTorch's OpenMP threads spin while they wait,
// and during a matrix product they wait for OpenBLAS's own threads, which need the same
// cores: on a 2-core machine the training step ran 1.6x slower with spinning (see
// docs/BENCHMARKS.md, "Thread settings"). libgomp reads OMP_WAIT_POLICY once, when it is
// loaded, so a process can only change it by setting it and starting its program again.
#pragma once

namespace moe {

// When OMP_WAIT_POLICY is not set: sets it to PASSIVE and re-executes this program with the
// same arguments (same process id, so launchers such as mpirun and srun do not notice).
// A policy the user set is left alone; if the re-execution fails the program goes on as it
// is. Call first in main(), before MPI or LibTorch start threads.
void use_passive_openmp_wait(char** argv);

}  // namespace moe
