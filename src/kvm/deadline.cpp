// Deadline kicks; see deadline.hpp.
#include "kvm/deadline.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <mutex>

namespace forkbox::kvm {

namespace {
thread_local kvm_run* tls_run = nullptr;
thread_local volatile sig_atomic_t tls_expired = 0;

void on_kick(int) {
  tls_expired = 1;
  // The page belongs to this thread's vCPU (set before the timer was armed); writing the
  // immediate_exit byte is what KVM documents for kicking from a signal handler.
  if (kvm_run* run = tls_run) {
    reinterpret_cast<volatile uint8_t*>(&run->immediate_exit)[0] = 1;
  }
}

void install_handler_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_handler = on_kick;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: KVM_RUN must return EINTR
    sigaction(kick_signal(), &sa, nullptr);
  });
}
}  // namespace

int kick_signal() { return SIGRTMIN + 3; }

Deadline::Deadline(kvm_run* run, uint64_t timeout_ms) {
  tls_run = run;
  tls_expired = 0;
  install_handler_once();
  sigset_t unblock;
  sigemptyset(&unblock);
  sigaddset(&unblock, kick_signal());
  pthread_sigmask(SIG_UNBLOCK, &unblock, &old_mask_);
  if (timeout_ms == 0) return;
  sigevent sev{};
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = kick_signal();
  sev._sigev_un._tid = static_cast<pid_t>(::syscall(SYS_gettid));
  if (timer_create(CLOCK_MONOTONIC, &sev, &timer_) != 0) return;
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(timeout_ms / 1000);
  spec.it_value.tv_nsec = static_cast<long>((timeout_ms % 1000) * 1000000);
  if (timer_settime(timer_, 0, &spec, nullptr) != 0) {
    timer_delete(timer_);
    return;
  }
  armed_ = true;
}

Deadline::~Deadline() {
  if (armed_) timer_delete(timer_);
  tls_run = nullptr;
  pthread_sigmask(SIG_SETMASK, &old_mask_, nullptr);
}

bool Deadline::expired() const { return tls_expired != 0; }

}  // namespace forkbox::kvm
