// Implementation of use_passive_openmp_wait (see openmp_wait_policy.h).
#include "common/openmp_wait_policy.h"

#include <unistd.h>

#include <cstdlib>

namespace moe {

void use_passive_openmp_wait(char** argv) {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;
  if (setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
  execv("/proc/self/exe", argv);
  // Only reached when exec failed: carry on with the policy libgomp already read.
}

}  // namespace moe
