// The kvm engine's entry points for the front ends: run one x86-64 Linux program to completion
// in a fresh micro-VM, and say whether this host can run the engine at all.
#pragma once

#include <string>
#include <vector>

#include "sandbox/run_types.hpp"

namespace forkbox::kvm {

// True when /dev/kvm opens and has what the engine needs; otherwise false with the reason in
// `why` (when given).
[[nodiscard]] bool available(std::string* why);

// Loads `request.program` (static or dynamic; PT_INTERP is loaded too), runs it in guest user
// mode with its system calls served by the Linux personality, and returns how it ended.
// Never throws for guest behaviour; a guest fault, timeout or limit is a RunStatus.
[[nodiscard]] RunResult run_program(const RunRequest& request);

// The read-only host view every kvm guest gets in addition to the request's allow_read: just
// what dynamically linked programs and the bundled runtimes need (see src/kvm/README.md).
[[nodiscard]] std::vector<std::string> default_read_view();

}  // namespace forkbox::kvm
