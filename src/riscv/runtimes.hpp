// The riscv engine's runtimes and handlers for the sandbox model (see sandbox/runtime.hpp).
#pragma once

#include <expected>
#include <memory>
#include <string>

#include "sandbox/factory.hpp"

namespace forkbox::riscv {

[[nodiscard]] std::expected<std::shared_ptr<Runtime>, std::string> make_runtime(
    const RuntimeConfig& config);
[[nodiscard]] std::expected<std::shared_ptr<Handler>, std::string> make_handler(
    const HandlerConfig& config);

// Forks the calling thread keeps for runtimes and handlers (one per live owner that ran on
// it), for tests and metrics.
[[nodiscard]] size_t thread_fork_slots();

}  // namespace forkbox::riscv
