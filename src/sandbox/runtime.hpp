// The sandbox model every front end uses: a Runtime executes code (the execution API,
// `forkbox exec`), a Handler answers an HTTP request (the /app/ routes). Each is backed by a
// warmed, immutable template and serves every call in a fresh copy-on-write fork (or a pooled
// instance reset to the template), so no call sees another's state.
//
// Thread-safety contract: exec() and handle() may be called from many threads at once. A
// non-blocking implementation (riscv) keeps per-thread instances and takes no lock on its hot
// path; a blocking one (kvm: milliseconds per call, a bounded pool of VMs) says so through
// blocking(), and callers run it off their event loop.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sandbox/run_types.hpp"

namespace forkbox {

struct ExecRequest {
  std::string code;        // program text for the runtime (Lua chunk, Python program)
  std::string file_name;   // how tracebacks name the code ("<string>" for -c)
  std::string stdin_data;  // the program's stdin
  std::vector<std::string> args;  // the program's arguments (arg / sys.argv[1:])
  uint64_t timeout_ms = 0;        // 0: the runtime's default
  uint64_t memory_mb = 0;         // 0: the runtime's default
};

struct ExecTimings {
  uint64_t queue_us = 0;  // waiting for an instance (bounded pools)
  uint64_t fork_us = 0;   // fork or reset
  uint64_t run_us = 0;
  uint64_t total_us = 0;
};

struct ExecUsage {
  uint64_t instructions = 0;  // riscv: retired guest instructions
  uint64_t cpu_us = 0;        // kvm: CPU time
  uint64_t pages_written = 0; // pages copied or dirtied by this execution
  uint64_t syscalls = 0;
};

struct ExecResult {
  RunStatus status = RunStatus::kExited;
  int exit_code = 0;
  int signal = 0;
  std::string stdout_data;
  std::string stderr_data;
  std::string message;  // one line for faults, limits and errors
  ExecTimings timings;
  ExecUsage usage;
};

struct RuntimeInfo {
  std::string name;       // "lua", "python"
  std::string version;    // "5.4.4"
  std::string engine;     // "riscv" or "kvm"
  std::vector<std::string> aliases;  // Piston-style language aliases
};

enum class RuntimeError : uint8_t {
  kUnavailable,  // the engine cannot run here (e.g. no /dev/kvm)
  kBusy,         // the bounded queue is full: retry later (HTTP 503)
};

// Counters a runtime or handler keeps for /metrics (monotonic, relaxed atomics inside).
struct SandboxCounters {
  uint64_t forks = 0;
  uint64_t resets = 0;
  uint64_t faults = 0;
  uint64_t timeouts = 0;
  uint64_t memory_limits = 0;
  uint64_t output_limits = 0;
  uint64_t instructions = 0;
  uint64_t pool_size = 0;
};

class Runtime {
 public:
  virtual ~Runtime() = default;
  [[nodiscard]] virtual const RuntimeInfo& info() const = 0;
  [[nodiscard]] virtual bool blocking() const = 0;
  // Runs one execution in a fresh fork of the warmed template.
  [[nodiscard]] virtual std::expected<ExecResult, RuntimeError> exec(const ExecRequest& req) = 0;
  [[nodiscard]] virtual SandboxCounters counters() const = 0;
};

// An HTTP request as a guest handler sees it. Views stay valid for the duration of handle().
struct HandlerRequest {
  std::string_view method;
  std::string_view path;   // the part after /app/{name}
  std::string_view query;  // without '?'
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body;
};

struct HandlerResponse {
  RunStatus status = RunStatus::kExited;  // kExited: the guest responded
  int http_status = 200;
  std::string content_type;
  std::string body;
  std::string message;  // for faults and limits
  std::string log;      // lines the handler wrote with forkbox_log, '\n'-separated
  ExecUsage usage;
  uint64_t run_us = 0;
};

class Handler {
 public:
  virtual ~Handler() = default;
  [[nodiscard]] virtual const std::string& name() const = 0;
  [[nodiscard]] virtual bool blocking() const = 0;
  [[nodiscard]] virtual std::expected<HandlerResponse, RuntimeError> handle(
      const HandlerRequest& req) = 0;
  [[nodiscard]] virtual SandboxCounters counters() const = 0;
};

}  // namespace forkbox
