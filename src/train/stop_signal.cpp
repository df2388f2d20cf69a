// Implementation of StopSignalHandler (see stop_signal.h).
#include "train/stop_signal.h"

#include "common/error.h"

namespace moe::train {
namespace {

volatile std::sig_atomic_t received_signal = 0;
bool installed = false;

extern "C" void remember_signal(int signal_number) { received_signal = signal_number; }

}  // namespace

StopSignalHandler::StopSignalHandler() {
  MOE_REQUIRE(!installed, "StopSignalHandler: already installed");
  struct sigaction action {};
  action.sa_handler = remember_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // blocking calls (file reads, MPI) carry on
  sigaction(SIGTERM, &action, &previous_term_);
  sigaction(SIGUSR1, &action, &previous_usr1_);
  installed = true;
}

StopSignalHandler::~StopSignalHandler() {
  sigaction(SIGTERM, &previous_term_, nullptr);
  sigaction(SIGUSR1, &previous_usr1_, nullptr);
  installed = false;
}

int StopSignalHandler::received() { return received_signal; }

void StopSignalHandler::clear() { received_signal = 0; }

}  // namespace moe::train
