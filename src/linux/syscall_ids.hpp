// Architecture-neutral identifiers for every system call the personality knows by name. Each
// architecture numbers system calls differently (riscv64 uses the asm-generic numbers, x86-64 its
// own historical ones), so each has a table from its numbers to these ids
// (syscall_table_riscv64.cpp, syscall_table_x86_64.cpp) and the dispatcher works on ids only.
//
// The list is an X-macro so that the enum, the names reported in statistics and the handler
// declarations cannot drift apart: adding a name here forces a handler `sys_<name>` to exist.
// Numbers that are in no table reach no handler and are reported as unknown (-ENOSYS).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "linux/syscall.hpp"

namespace forkbox::os {

// clang-format off
#define FORKBOX_LINUX_SYSCALLS(X)                                                                 \
  /* syscalls_io.cpp */                                                                           \
  X(read) X(write) X(readv) X(writev) X(pread64) X(pwrite64) X(preadv) X(lseek) X(pipe)           \
  X(pipe2) X(dup) X(dup2) X(dup3) X(fcntl) X(ioctl) X(close) X(close_range)                       \
  /* syscalls_fs.cpp */                                                                           \
  X(open) X(openat) X(stat) X(lstat) X(fstat) X(newfstatat) X(statx) X(readlink) X(readlinkat)    \
  X(access) X(faccessat) X(faccessat2) X(getdents64) X(getcwd) X(chdir) X(fchdir) X(umask)        \
  X(unlink) X(unlinkat) X(mkdir) X(mkdirat) X(rmdir) X(ftruncate) X(rename) X(renameat)           \
  X(renameat2)                                                                                    \
  /* syscalls_mman.cpp */                                                                         \
  X(brk) X(mmap) X(munmap) X(mprotect) X(mremap) X(madvise)                                       \
  /* syscalls_time.cpp */                                                                         \
  X(clock_gettime) X(clock_getres) X(gettimeofday) X(nanosleep) X(clock_nanosleep) X(time)        \
  /* syscalls_process.cpp */                                                                      \
  X(exit) X(exit_group) X(getpid) X(gettid) X(getppid) X(getuid) X(geteuid) X(getgid)             \
  X(getegid) X(getpgid) X(getpgrp) X(getsid) X(set_tid_address) X(set_robust_list) X(rseq)        \
  X(prlimit64) X(getrlimit) X(setrlimit) X(sched_yield) X(sched_getaffinity) X(uname)             \
  X(sysinfo) X(getrandom) X(futex) X(prctl)                                                       \
  /* syscalls_signal.cpp */                                                                       \
  X(rt_sigaction) X(rt_sigprocmask) X(sigaltstack) X(kill) X(tgkill) X(tkill)                     \
  /* syscalls_refused.cpp */                                                                      \
  X(socket) X(socketpair) X(connect) X(bind) X(listen) X(accept) X(accept4) X(execve)             \
  X(execveat) X(clone) X(clone3) X(fork) X(vfork) X(ptrace) X(process_vm_readv)                   \
  X(process_vm_writev)
// clang-format on

enum class SysId : uint16_t {
#define FORKBOX_SYSID_ENUM(name) k_##name,
  FORKBOX_LINUX_SYSCALLS(FORKBOX_SYSID_ENUM)
#undef FORKBOX_SYSID_ENUM
      kCount
};

inline constexpr size_t kSysIdCount = static_cast<size_t>(SysId::kCount);

// One row of an architecture's table: its number for a known system call.
struct SyscallNumber {
  uint64_t number;
  SysId id;
};

// The per-architecture tables (each in its own file).
[[nodiscard]] std::span<const SyscallNumber> riscv64_syscall_numbers();
[[nodiscard]] std::span<const SyscallNumber> x86_64_syscall_numbers();

// The id an architecture's number stands for, or nullopt for numbers the personality does not
// know (which then return -ENOSYS and are counted by number).
[[nodiscard]] std::optional<SysId> sys_id_for(Arch arch, uint64_t number);
// The Linux name of a known system call ("openat"), as reported in statistics.
[[nodiscard]] std::string_view sys_name(SysId id);

}  // namespace forkbox::os
