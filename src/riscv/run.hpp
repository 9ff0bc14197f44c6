// The riscv engine's one-shot entry point: load a static RV64 program, run it to completion
// under the request's limits, and return a typed result.
#pragma once

#include "sandbox/run_types.hpp"

namespace forkbox::riscv {

[[nodiscard]] RunResult run_program(const RunRequest& request);

}  // namespace forkbox::riscv
