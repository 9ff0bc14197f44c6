// Building runtimes and handlers from configuration. The server and the CLI describe what they
// want (a runtime name, an engine, a program) and get a warmed Runtime or Handler back, or a
// one-line reason why not. Each engine supplies its own part (riscv/runtimes.hpp,
// kvm/runtimes.hpp); this file only dispatches on the engine name.
#pragma once

#include <cstdint>
#include <expected>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sandbox/runtime.hpp"

namespace forkbox {

struct RuntimeConfig {
  std::string name;     // "lua", "python"
  std::string engine;   // "riscv" or "kvm"
  std::string program;  // host path of the interpreter; empty: the bundled default
  std::vector<std::string> allow_read;  // extra read-only host directories
  std::map<std::string, std::string> env;
  uint64_t timeout_ms = 10'000;  // default per execution
  uint64_t memory_mb = 512;      // default per execution
  uint64_t max_instructions = 0; // riscv: default budget per execution (0: derived from timeout)
  std::string style = "pooled";  // kvm: "pooled" (reset in place) or "fresh" (new VM)
  size_t pool_size = 0;          // kvm: VMs in the pool (0: one per core)
  size_t queue_limit = 64;       // kvm: requests that may wait for a VM
  uint64_t rotate_after_forks = 0;    // re-warm the template every N forks (0: never)
  uint64_t rotate_after_seconds = 0;  // re-warm the template every T seconds (0: never)
  std::string snapshot_path;  // kvm: load the snapshot from this file, or warm and save it there
                              // (empty: warm in memory only)
  bool translate = true;      // riscv: translate the template's code to host code (jit.hpp)
};

struct HandlerConfig {
  std::string name;     // the {name} of /app/{name}/
  std::string engine = "riscv";
  std::string program;  // host path of the handler executable
  uint64_t max_instructions = 2'000'000;  // per request, as the Drogon Sandbox's tenants
  uint64_t timeout_ms = 1'000;
  uint64_t memory_mb = 64;
  // riscv: translate the handler's code to host code when its template is built. Costs
  // ~0.07 s and ~7 MiB per template for a static glibc program; off, requests interpret.
  bool translate = true;
};

[[nodiscard]] std::expected<std::shared_ptr<Runtime>, std::string> make_runtime(
    const RuntimeConfig& config);
[[nodiscard]] std::expected<std::shared_ptr<Handler>, std::string> make_handler(
    const HandlerConfig& config);

// The runtimes forkbox serves when no configuration names any: lua on riscv, and python and
// lua on kvm when /dev/kvm works.
[[nodiscard]] std::vector<RuntimeConfig> default_runtime_configs();
// The built-in example handler `hello` (guest/examples/hello_handler.c).
[[nodiscard]] std::vector<HandlerConfig> default_handler_configs();

// Where bundled guest artefacts live (the Lua binary, the handler examples): next to the
// forkbox binary's build tree, or FORKBOX_HOME when set.
[[nodiscard]] std::string bundled_path(const std::string& relative);

}  // namespace forkbox
