// A snapshot of a warmed kvm guest at its ready point, and how one is made: boot the program
// (an agent: python3 with numpy imported, lua5.4) in a fresh machine, serve its system calls
// until it first reads the code channel, and stop there with that read pending. The snapshot is
// then the machine's RAM in a sealed memfd (immutable: forks map it MAP_PRIVATE, so they share
// every page they do not write), the complete vCPU state, the VMM state (allocator, address
// space map, brk) and the personality (fd table, signal dispositions, cwd, limits).
//
// Immutable once made and shared by every fork through std::shared_ptr<const Snapshot>: a fork
// holds its parent, so the memfd outlives every mapping of it.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "common/unique_fd.hpp"
#include "kvm/machine.hpp"
#include "linux/personality.hpp"

namespace forkbox::kvm {

struct WarmRequest {
  std::string program;  // host path of the x86-64 executable (the interpreter)
  std::vector<std::string> argv;
  std::vector<std::string> envp;
  std::vector<std::string> allow_read;  // added to default_read_view()
  uint64_t memory_bytes = 512ull << 20;  // RAM slot (the largest memory limit forks may have)
  uint64_t timeout_ms = 60'000;          // for the warm-up run
  // The ready point is the first stdin read (Lua) rather than the code channel (Python).
  bool ready_on_stdin = false;
  // The ready point is forkbox_wait_request (a handler program; host calls are served).
  bool ready_on_wait_request = false;
};

struct Snapshot {
  MachineImage image;
  UniqueFd memfd;  // sealed: F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL
  os::Personality personality;
  bool ready_on_stdin = false;
  uint64_t warm_us = 0;  // how long the warm-up took
};

[[nodiscard]] std::expected<std::shared_ptr<const Snapshot>, std::string> warm_snapshot(
    const WarmRequest& request);

// Seals a memfd that no writable shared mapping uses any more.
[[nodiscard]] bool seal_memfd(int fd);

}  // namespace forkbox::kvm
