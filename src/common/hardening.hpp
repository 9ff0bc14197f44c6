// Host hardening for the forkbox server process: the last line of defence if a guest ever gets
// code execution inside the host process through an engine bug. Three steps, applied once the
// server has bound its sockets, opened /dev/kvm and warmed its templates (so nothing they need
// is taken away):
//
//   1. PR_SET_NO_NEW_PRIVS: no execve can ever gain privileges (setuid binaries, file caps), and
//      seccomp may then be installed without CAP_SYS_ADMIN.
//   2. PR_SET_DUMPABLE 0 and, when the process holds capabilities (run as root), dropping every
//      one of them from the bounding, ambient, inheritable, permitted and effective sets: the
//      server needs none after start-up (/dev/kvm access is file permission, ports are bound).
//   3. A seccomp-BPF allow-list (libseccomp) of the system calls the server, Asio, the engines
//      and the sanitizer runtimes use, applied to every thread (TSYNC). ioctl is limited to KVM
//      requests and a few terminal/socket ones; clone only creates threads (no fork); clone3
//      answers ENOSYS so glibc falls back to clone, whose flags seccomp can inspect. Anything
//      else - execve, ptrace, process_vm_*, mount, bpf, ... - kills the process (or, in the
//      test and discovery modes, fails with EPERM / is logged by the kernel).
//
// Each step returns an error value; the caller (the server's main) decides whether to continue.
// None of this is reversible within the process: apply it in a process (or a forked child) that
// is meant to stay hardened.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace forkbox::hardening {

enum class HardeningError : uint8_t {
  kNoNewPrivsFailed,      // prctl(PR_SET_NO_NEW_PRIVS) failed
  kDumpableFailed,        // prctl(PR_SET_DUMPABLE, 0) failed
  kCapabilityDropFailed,  // a capability set could not be cleared
  kSeccompInitFailed,     // libseccomp could not create a filter context
  kUnknownSyscallName,    // an allow-list name is not a system call on this architecture
  kSeccompRuleFailed,     // libseccomp refused a rule
  kSeccompLoadFailed,     // the kernel refused the filter
};

[[nodiscard]] const char* describe(HardeningError e);

// What the filter does to a system call that is not on the allow-list.
enum class SeccompMode : uint8_t {
  kKill,      // SECCOMP_RET_KILL_PROCESS: the whole server dies with SIGSYS (production)
  kErrno,     // the call fails with EPERM (tests; a server that must never die)
  kLog,       // the call is allowed and logged by the kernel (finding a missing entry)
};

struct SeccompOptions {
  SeccompMode mode = SeccompMode::kKill;
  bool allow_kvm = true;      // KVM ioctls (type 0xAE), for the kvm engine
  bool allow_network = true;  // sockets, accept, epoll: the HTTP front end
  // Additional system calls by name (e.g. from a configuration file), checked against the
  // architecture's table; an unknown name is an error rather than silently ignored.
  std::vector<std::string> extra_syscalls;
};

struct HardeningOptions {
  SeccompOptions seccomp;
  bool drop_capabilities = true;
};

// The names of the system calls the filter allows unconditionally (documentation and tests;
// ioctl and clone are allowed with argument conditions on top of this list).
[[nodiscard]] const std::vector<std::string_view>& base_allow_list();

[[nodiscard]] std::expected<void, HardeningError> set_no_new_privs();
// PR_SET_DUMPABLE 0 (no core dumps full of guest memory, no same-uid ptrace) and, if any are
// held, drop all capabilities. A process without capabilities succeeds without changes.
[[nodiscard]] std::expected<void, HardeningError> drop_privileges();
// Installs the allow-list on every thread of the process. Needs no-new-privs (or
// CAP_SYS_ADMIN); call set_no_new_privs() first.
[[nodiscard]] std::expected<void, HardeningError> apply_seccomp_filter(
    const SeccompOptions& options);

// The three steps in order: no-new-privs, privileges, seccomp.
[[nodiscard]] std::expected<void, HardeningError> harden_process(const HardeningOptions& options);

}  // namespace forkbox::hardening
