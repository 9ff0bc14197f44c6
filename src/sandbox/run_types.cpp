// Names for run statuses; see run_types.hpp.
#include "sandbox/run_types.hpp"

namespace forkbox {

const char* describe(RunStatus s) {
  switch (s) {
    case RunStatus::kExited: return "exited";
    case RunStatus::kSignaled: return "signaled";
    case RunStatus::kFault: return "fault";
    case RunStatus::kTimeout: return "timeout";
    case RunStatus::kMemoryLimit: return "memory limit";
    case RunStatus::kOutputLimit: return "output limit";
    case RunStatus::kLoadError: return "load error";
    case RunStatus::kEngineError: return "engine error";
  }
  return "unknown";
}

}  // namespace forkbox
