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

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
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

// New-VM-per-execution forks (the fresh style) with their fixed costs taken off the request
// path. One background thread
//   - prepares up to `ahead` forks of the newest snapshot take() was asked for: KVM_CREATE_VM,
//     the MAP_PRIVATE mapping, the full vCPU restore, and Machine::prewarm with the pages an
//     execution of that snapshot touched (learnt from its first execution), so the request
//     runs without the hypervisor's shadow page faults;
//   - destroys used machines (closing a VM that ran costs ~1.5 ms here) after the caller has
//     its result.
// Every machine still serves exactly one execution: take() hands each one out once and a
// retired machine is only ever destroyed. A machine prepared from a snapshot that has since
// been replaced (template rotation) is never handed out. When nothing is ready, take() waits
// for a fork being prepared, or forks on the caller's thread. The costs moved off the request
// path still count against throughput (they use the same cores); stats() reports them.
//
// Thread-safe. The destructor stops the thread and destroys every machine it still holds.
class FreshForks {
 public:
  struct Stats {
    uint64_t prepared = 0;         // forks made ahead by the background thread
    uint64_t used_prepared = 0;    // take() calls served by a prepared fork
    uint64_t forked_inline = 0;    // take() calls that forked on the caller's thread
    uint64_t discarded_stale = 0;  // prepared forks of a replaced snapshot, destroyed unused
    uint64_t reaped = 0;           // machines destroyed by the background thread
    uint64_t prepare_us = 0;       // total background time forking and prewarming
    uint64_t teardown_us = 0;      // total background time destroying machines
  };

  // `ahead`: forks kept ready (each holds a VM, its KVM page tables and the private pages the
  // prewarm copied). `max_pages`: the memory limit prepared forks start with (take()'s caller
  // sets each request's own).
  FreshForks(size_t ahead, uint64_t max_pages);
  FreshForks(const FreshForks&) = delete;
  FreshForks& operator=(const FreshForks&) = delete;
  ~FreshForks();

  // A never-used fork of `snap`.
  [[nodiscard]] std::expected<std::unique_ptr<Machine>, KvmError> take(
      const std::shared_ptr<const Snapshot>& snap, uint64_t max_pages);
  // Hands a used machine (forked from `snap`) to the background thread for destruction, or
  // destroys it on the caller's thread when that thread is 8 machines behind; if it was the
  // one tracking its accesses, its touched pages become `snap`'s prewarm list.
  void retire(std::unique_ptr<Machine> machine, std::shared_ptr<const Snapshot> snap);
  [[nodiscard]] Stats stats() const;
  // Blocks until `count` forks are ready or `timeout_ms` passed; true when they are. For
  // benchmarks and tests that want to measure the prepared path.
  [[nodiscard]] bool wait_ready(size_t count, uint64_t timeout_ms) const;

 private:
  struct Entry {
    std::shared_ptr<const Snapshot> snap;
    std::unique_ptr<Machine> machine;
  };
  void background();
  void retarget(const std::shared_ptr<const Snapshot>& snap);  // mu_ held

  const size_t ahead_;
  const uint64_t max_pages_;
  mutable std::mutex mu_;
  mutable std::condition_variable work_cv_;   // the background thread waits here
  mutable std::condition_variable ready_cv_;  // take() and wait_ready() wait here
  std::shared_ptr<const Snapshot> target_;    // guarded by mu_: newest snapshot asked for
  std::shared_ptr<const TouchList> touches_;  // guarded by mu_: target_'s prewarm list
  bool learning_ = false;   // guarded by mu_: a tracking fork of target_ is out
  size_t preparing_ = 0;    // guarded by mu_
  bool stop_ = false;       // guarded by mu_
  std::deque<Entry> ready_;    // guarded by mu_
  std::deque<Entry> retired_;  // guarded by mu_
  Stats stats_;                // guarded by mu_
  std::thread thread_;         // last: starts after everything above is constructed
};

// Seals a memfd that no writable shared mapping uses any more.
[[nodiscard]] bool seal_memfd(int fd);

}  // namespace forkbox::kvm
