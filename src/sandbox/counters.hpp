// The counters every runtime and handler keeps for /metrics: relaxed atomics bumped once per
// execution from any thread, read as a SandboxCounters snapshot. One type for both engines, so
// that an outcome is counted the same way everywhere.
#pragma once

#include <atomic>
#include <cstdint>

#include "sandbox/runtime.hpp"

namespace forkbox {

struct AtomicSandboxCounters {
  std::atomic<uint64_t> forks{0}, resets{0}, faults{0}, timeouts{0}, memory_limits{0},
      output_limits{0}, instructions{0};

  void add_fork() { forks.fetch_add(1, std::memory_order_relaxed); }
  void add_reset() { resets.fetch_add(1, std::memory_order_relaxed); }
  // Counts how one execution ended (faults include deaths by signal and engine errors).
  void count_outcome(RunStatus s, uint64_t retired_instructions = 0) {
    instructions.fetch_add(retired_instructions, std::memory_order_relaxed);
    switch (s) {
      case RunStatus::kExited: break;
      case RunStatus::kTimeout: timeouts.fetch_add(1, std::memory_order_relaxed); break;
      case RunStatus::kMemoryLimit: memory_limits.fetch_add(1, std::memory_order_relaxed); break;
      case RunStatus::kOutputLimit: output_limits.fetch_add(1, std::memory_order_relaxed); break;
      case RunStatus::kSignaled:
      case RunStatus::kFault:
      case RunStatus::kLoadError:
      case RunStatus::kEngineError: faults.fetch_add(1, std::memory_order_relaxed); break;
    }
  }
  [[nodiscard]] SandboxCounters snapshot(uint64_t pool_size = 0) const {
    SandboxCounters c;
    c.forks = forks.load(std::memory_order_relaxed);
    c.resets = resets.load(std::memory_order_relaxed);
    c.faults = faults.load(std::memory_order_relaxed);
    c.timeouts = timeouts.load(std::memory_order_relaxed);
    c.memory_limits = memory_limits.load(std::memory_order_relaxed);
    c.output_limits = output_limits.load(std::memory_order_relaxed);
    c.instructions = instructions.load(std::memory_order_relaxed);
    c.pool_size = pool_size;
    return c;
  }
};

}  // namespace forkbox
