// Engine-neutral description of one program run and its typed result. The CLI and the server
// build a RunRequest, hand it to an engine (riscv::run_program or kvm::run_program), and format
// the RunResult; neither front end knows engine internals.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "linux/personality.hpp"

namespace forkbox {

struct RunLimits {
  // Instructions the guest may retire (riscv) before the run ends with kTimeout. 0: unlimited.
  uint64_t max_instructions = 0;
  // Wall-clock deadline in milliseconds (kvm, and riscv as a backstop). 0: unlimited.
  uint64_t timeout_ms = 0;
  // Guest memory actually touched, in bytes. Why 2 GiB by default: generous for ordinary
  // programs, bounded for the host.
  uint64_t memory_bytes = 2ull << 30;
};

struct RunRequest {
  std::string program;             // host path of the ELF executable
  std::vector<std::string> argv;   // argv[0] included
  std::vector<std::string> envp;
  RunLimits limits;
  os::PersonalityConfig personality;  // allow-list and stdio
  // riscv: translate the program's code to host code before it starts (src/riscv/jit.hpp):
  // about 0.1-0.2 s more to start, several times faster on long computations.
  bool translate = false;
};

enum class RunStatus : uint8_t {
  kExited,       // the guest called exit; `exit_status` holds its status
  kSignaled,     // the guest was ended by a signal; `signal` holds it
  kFault,        // guest fault (illegal instruction, memory access, ...); see `message`
  kTimeout,      // instruction budget or deadline exhausted
  kMemoryLimit,  // touched memory would exceed the limit
  kOutputLimit,  // captured output exceeded its limit
  kLoadError,    // the program could not be loaded; see `message`
  kEngineError,  // the engine itself failed (e.g. /dev/kvm unusable); see `message`
};

[[nodiscard]] const char* describe(RunStatus s);

struct RunStats {
  uint64_t instructions = 0;  // retired guest instructions (riscv); 0 where unknown
  double seconds = 0;
  uint64_t pages_touched = 0;
  uint64_t syscalls = 0;
  std::map<std::string, uint64_t> syscalls_by_name;
  std::map<uint64_t, uint64_t> unknown_syscalls;
  std::map<std::string, uint64_t> exits_by_reason;  // kvm: VM exits by reason
};

struct RunResult {
  RunStatus status = RunStatus::kExited;
  int exit_status = 0;
  int signal = 0;
  std::string message;  // one line, for faults and errors
  std::string captured_stdout;
  std::string captured_stderr;
  RunStats stats;
};

}  // namespace forkbox
