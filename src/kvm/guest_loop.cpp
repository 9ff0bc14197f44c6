// The exit-serving loop; see guest_loop.hpp. arch_prctl is served here because it changes vCPU
// state (the FS/GS base); reads of the code channel because only the engine knows the request;
// every other system call goes to the shared Linux personality.
#include "kvm/guest_loop.hpp"

#include <sys/uio.h>

#include <algorithm>
#include <cerrno>

#include "kvm/exec_channel.hpp"
#include "kvm/kernel_layout.hpp"

namespace forkbox::kvm {

namespace {

constexpr uint64_t kRead = 0;  // x86-64 system call numbers
constexpr uint64_t kReadv = 19;
constexpr uint64_t kArchPrctl = 158;
constexpr uint64_t kArchSetGs = 0x1001;
constexpr uint64_t kArchSetFs = 0x1002;
constexpr uint64_t kArchGetFs = 0x1003;
constexpr uint64_t kArchGetGs = 0x1004;
// Linux's UIO_MAXIOV: readv with more vectors is EINVAL.
constexpr uint64_t kMaxIov = 1024;

// read/readv on kCodeFd, served from the channel's data. Guest buffers are checked by the
// address space's write (EFAULT on anything unmapped or read-only).
int64_t read_channel(Machine& m, CodeChannel& ch, uint64_t nr, const kvm_regs& r) {
  struct Span {
    uint64_t addr, len;
  };
  std::vector<Span> spans;
  if (nr == kRead) {
    spans.push_back({r.rsi, r.rdx});
  } else {
    if (r.rdx > kMaxIov) return -EINVAL;
    for (uint64_t i = 0; i < r.rdx; ++i) {
      iovec iov{};
      if (!m.memory().read(r.rsi + i * sizeof(iovec), &iov, sizeof(iov))) return -EFAULT;
      spans.push_back({reinterpret_cast<uint64_t>(iov.iov_base), iov.iov_len});
    }
  }
  int64_t total = 0;
  for (const Span& s : spans) {
    const size_t n = std::min<uint64_t>(s.len, ch.data.size() - ch.offset);
    if (n == 0) break;
    if (!m.memory().write(s.addr, ch.data.data() + ch.offset, n)) return total ? total : -EFAULT;
    ch.offset += n;
    total += static_cast<int64_t>(n);
  }
  return total;
}

}  // namespace

// arch_prctl(2) for the codes programs use: FS/GS base set and get. A base must be a user
// address, as Linux requires (it refuses non-canonical ones; we also refuse the kernel half).
int64_t arch_prctl(Machine& m, uint64_t code, uint64_t addr) {
  switch (code) {
    case kArchSetFs:
    case kArchSetGs: {
      if (addr >= kUserTop) return -EPERM;
      auto r = code == kArchSetFs ? m.set_fs_base(addr) : m.set_gs_base(addr);
      return r ? 0 : -EINVAL;
    }
    case kArchGetFs:
    case kArchGetGs: {
      auto base = code == kArchGetFs ? m.fs_base() : m.gs_base();
      if (!base) return -EINVAL;
      uint64_t value = *base;
      return m.memory().write(addr, &value, sizeof(value)) ? 0 : -EFAULT;
    }
    default:
      return -EINVAL;
  }
}


LoopEnd serve_guest(Machine& m, os::Personality& personality, const Deadline& deadline,
                    CodeChannel& channel, bool resume_pending, HostCallState* host) {
  LoopEnd end;
  bool pending = resume_pending;
  while (true) {
    Exit e;
    if (pending) {
      e.kind = ExitKind::kSyscall;
      pending = false;
    } else {
      e = m.run();
    }
    switch (e.kind) {
      case ExitKind::kSyscall: {
        const kvm_regs& r = m.regs();
        ++end.syscalls;
        if (host && is_host_call(r.rax)) {
          switch (serve_host_call(m, r.rax, *host)) {
            case HostCallEnd::kContinue:
              continue;
            case HostCallEnd::kReady:
              --end.syscalls;  // not served yet: the fork serves it
              end.ready = true;
              return end;
            case HostCallEnd::kResponded:
              end.responded = true;
              end.status = RunStatus::kExited;
              return end;
            case HostCallEnd::kWaitedAgain:
              end.status = RunStatus::kFault;
              end.message = "handler waited for another request without responding";
              return end;
          }
        }
        if (r.rax == kArchPrctl) {
          m.finish_syscall(static_cast<uint64_t>(arch_prctl(m, r.rdi, r.rsi)));
          continue;
        }
        if ((r.rax == kRead || r.rax == kReadv) && static_cast<int64_t>(r.rdi) == kCodeFd) {
          if (channel.pause_on_read) {
            --end.syscalls;  // not served yet: the fork serves it
            end.ready = true;
            return end;
          }
          m.finish_syscall(static_cast<uint64_t>(read_channel(m, channel, r.rax, r)));
          continue;
        }
        os::SyscallRequest req;
        req.number = r.rax;
        req.args = {r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9};
        os::SyscallOutcome out = personality.handle(req, m.memory());
        if (m.memory().memory_limit_hit()) {
          end.status = RunStatus::kMemoryLimit;
          end.message = "memory limit reached";
          return end;
        }
        switch (out.kind) {
          case os::OutcomeKind::kReturn:
            m.finish_syscall(static_cast<uint64_t>(out.value));
            continue;
          case os::OutcomeKind::kExit:
            end.status = RunStatus::kExited;
            end.exit_code = static_cast<int>(out.value & 0xff);
            return end;
          case os::OutcomeKind::kSignal:
            end.status = RunStatus::kSignaled;
            end.signal = static_cast<int>(out.value);
            return end;
          case os::OutcomeKind::kOutputLimit:
            end.status = RunStatus::kOutputLimit;
            end.message = "output limit reached";
            return end;
          case os::OutcomeKind::kPause:
            --end.syscalls;
            end.ready = true;
            return end;
        }
        continue;
      }
      case ExitKind::kFault:
        end.status = RunStatus::kFault;
        end.signal = e.signal;
        end.message = e.message;
        return end;
      case ExitKind::kMemoryLimit:
        end.status = RunStatus::kMemoryLimit;
        end.message = e.message;
        return end;
      case ExitKind::kInterrupted:
        if (deadline.expired()) {
          end.status = RunStatus::kTimeout;
          end.message = "deadline exceeded";
          return end;
        }
        continue;  // a stray signal: resume
      case ExitKind::kError:
        end.status = RunStatus::kEngineError;
        end.message = e.message;
        return end;
    }
  }
}

}  // namespace forkbox::kvm
