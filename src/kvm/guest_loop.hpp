// The exit-serving loop every kvm guest run goes through: system calls to the personality (or,
// for arch_prctl and the code channel, to the engine), faults, limits and the deadline, until the
// guest exits, is stopped, or reaches its ready point. Warm-up (run to the ready point, then
// snapshot) and executions (resume inside the pending channel read) share it.
#pragma once

#include <cstdint>
#include <string>

#include "kvm/deadline.hpp"
#include "kvm/host_calls.hpp"
#include "kvm/machine.hpp"
#include "linux/personality.hpp"
#include "sandbox/run_types.hpp"

namespace forkbox::kvm {

// The code channel as the loop serves it (see exec_channel.hpp).
struct CodeChannel {
  bool pause_on_read = false;  // warm-up: the first read is the ready point
  std::string data;            // an execution's encoded request
  size_t offset = 0;
};

struct LoopEnd {
  bool ready = false;  // stopped at the ready point, the system call pending
  bool responded = false;  // a handler called forkbox_respond (status kExited)
  RunStatus status = RunStatus::kExited;
  int exit_code = 0;
  int signal = 0;
  std::string message;
  uint64_t syscalls = 0;
};

// Runs `m` until it ends. With `resume_pending`, the system call the machine is stopped at (a
// snapshot's ready point) is served first, before the guest runs again. `host` (handlers only)
// serves the forkbox host calls; without it they are -ENOSYS, as under plain Linux.
[[nodiscard]] LoopEnd serve_guest(Machine& m, os::Personality& personality,
                                  const Deadline& deadline, CodeChannel& channel,
                                  bool resume_pending, HostCallState* host = nullptr);

// arch_prctl(2) (ARCH_SET_FS/GS, ARCH_GET_FS/GS) against the vCPU: the one system call the
// personality cannot serve, as it changes guest registers. Returns the result or -errno.
[[nodiscard]] int64_t arch_prctl(Machine& m, uint64_t code, uint64_t addr);

}  // namespace forkbox::kvm
