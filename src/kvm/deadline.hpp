// Wall-clock deadlines for a running vCPU, enforced by kicking it rather than by polling: a
// POSIX timer delivers kKickSignal to the vCPU thread, whose handler sets kvm_run.immediate_exit,
// so KVM_RUN returns EINTR whether the signal lands during guest execution or just before entry.
//
// Contract: arm and disarm on the thread that runs the vCPU; one Deadline per thread at a time.
// The signal handler is installed once per process and only touches thread-local state and the
// kvm_run page of the thread it interrupts.
#pragma once

#include <linux/kvm.h>
#include <signal.h>
#include <time.h>

#include <cstdint>

namespace forkbox::kvm {

// The signal used for kicks (SIGRTMIN+3). Why a real-time signal: real-time
// signals queue and are unused by glibc beyond its first two, so it cannot collide with the
// host program's ordinary signal handling.
[[nodiscard]] int kick_signal();

class Deadline {
 public:
  // Arms a one-shot timer firing after `timeout_ms` (0: never) that kicks `run` on this thread.
  Deadline(kvm_run* run, uint64_t timeout_ms);
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;
  ~Deadline();

  // True once the timer fired.
  [[nodiscard]] bool expired() const;
  // False if the timer could not be created (the run then has no deadline).
  [[nodiscard]] bool armed() const { return armed_; }

 private:
  timer_t timer_{};
  bool armed_ = false;
  sigset_t old_mask_{};
};

}  // namespace forkbox::kvm
