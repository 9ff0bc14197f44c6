// The file-system calls: open (read-only, under the allow-list), the stat family, readlink,
// access, getdents64 and the working directory. Every path goes through PathPolicy::resolve
// (vfs.hpp), and the host file is then opened or inspected on the resolved path without
// following symlinks, so what the host touches is exactly what the policy checked.
//
// Only regular files and directories can be opened: a FIFO or device inside an allowed
// directory could block the engine thread or expose more than file contents. The legacy x86-64
// calls (open, stat, lstat, access, readlink) share the code of their *at successors.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "linux/arch_layouts.hpp"
#include "linux/guest_abi.hpp"
#include "linux/syscall_context.hpp"

namespace forkbox::os {
namespace {

// Why 1 MiB: a getdents64 buffer only needs to hold a batch of entries (glibc uses 32 KiB);
// larger requests are served in part, which every caller handles by calling again.
constexpr size_t kMaxDirentBuffer = 1u << 20;

// The directory a relative path starts from: the cwd, or an open directory fd.
std::expected<std::string, int> base_dir(SyscallContext& ctx, int64_t dirfd) {
  if (dirfd == abi::kAtFdCwd) return ctx.proc.cwd;
  const OpenFile* file = ctx.fds.get(dirfd);
  if (!file) return std::unexpected(-EBADF);
  if (file->kind() != FileKind::kHostDir) return std::unexpected(-ENOTDIR);
  return file->path();
}

// Reads the guest path and resolves it under the policy.
std::expected<std::string, int> resolve_at(SyscallContext& ctx, int64_t dirfd, uint64_t path_addr,
                                           bool follow_final) {
  auto path = read_guest_string(ctx.mem, path_addr, kMaxGuestPath - 1);
  if (!path) return std::unexpected(path.error());
  if (path->empty()) return std::unexpected(-ENOENT);
  std::string base = "/";
  if (path->front() != '/') {
    auto dir = base_dir(ctx, dirfd);
    if (!dir) return std::unexpected(dir.error());
    base = std::move(*dir);
  }
  return ctx.proc.paths.resolve(base, *path, follow_final);
}

// What fstat reports for fds without a host file behind them.
FileStat synthetic_stat(FileKind kind) {
  FileStat st;
  st.mode = S_IFIFO | 0600;  // streams and pipes read and write like pipes
  st.ino = static_cast<uint64_t>(kind) + 1;
  return st;
}

std::expected<FileStat, int> stat_fd(SyscallContext& ctx, int64_t fd) {
  if (fd == abi::kAtFdCwd) {
    struct stat st {};
    if (::lstat(ctx.proc.cwd.c_str(), &st) != 0) return std::unexpected(-errno);
    return file_stat_from_host(st);
  }
  const OpenFile* file = ctx.fds.get(fd);
  if (!file) return std::unexpected(-EBADF);
  if (file->kind() != FileKind::kHostFile && file->kind() != FileKind::kHostDir)
    return synthetic_stat(file->kind());
  struct stat st {};
  if (::fstat(file->host_fd(), &st) != 0) return std::unexpected(-EBADF);
  return file_stat_from_host(st);
}

// stat/lstat/newfstatat/statx share this: an fd (AT_EMPTY_PATH with "") or a resolved path.
std::expected<FileStat, int> stat_at(SyscallContext& ctx, int64_t dirfd, uint64_t path_addr,
                                     uint64_t flags) {
  if (flags & abi::kAtEmptyPath) {
    auto path = read_guest_string(ctx.mem, path_addr, kMaxGuestPath - 1);
    if (!path) return std::unexpected(path.error());
    if (path->empty()) return stat_fd(ctx, dirfd);
  }
  auto resolved = resolve_at(ctx, dirfd, path_addr, !(flags & abi::kAtSymlinkNofollow));
  if (!resolved) return std::unexpected(resolved.error());
  struct stat st {};
  if (::lstat(resolved->c_str(), &st) != 0) return std::unexpected(-errno);
  return file_stat_from_host(st);
}

SyscallOutcome write_stat(SyscallContext& ctx, const std::expected<FileStat, int>& st,
                          uint64_t buf) {
  if (!st) return from_neg(st.error());
  const std::vector<uint8_t> bytes = encode_stat(ctx.arch(), *st);
  return ctx.mem.write(buf, bytes.data(), bytes.size()) ? ok(0) : fail(EFAULT);
}

SyscallOutcome do_openat(SyscallContext& ctx, int64_t dirfd, uint64_t path_addr, uint64_t flags) {
  // Refuse write intent before looking at the path: the answer must not depend on the host.
  const uint64_t write_intent = abi::kOCreat | abi::kOTrunc | abi::kOAppend | abi::kOTmpfile;
  if ((flags & abi::kOAccMode) != abi::kORdOnly || (flags & write_intent)) return fail(EROFS);
  auto resolved = resolve_at(ctx, dirfd, path_addr, !(flags & abi::kONofollow));
  if (!resolved) return from_neg(resolved.error());
  // O_NOFOLLOW: the policy already resolved every symlink, so the host must follow none.
  // O_NONBLOCK: an open must never wait (the type check below then refuses FIFOs).
  int host_flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK;
  if (flags & abi::kODirectory) host_flags |= O_DIRECTORY;
  UniqueFd fd(::open(resolved->c_str(), host_flags));
  if (!fd) return fail(errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return fail(EIO);
  FileKind kind;
  if (S_ISREG(st.st_mode)) {
    kind = FileKind::kHostFile;
  } else if (S_ISDIR(st.st_mode)) {
    kind = FileKind::kHostDir;
  } else {
    return fail(EACCES);
  }
  auto file = OpenFile::host(kind, std::move(fd), std::move(*resolved));
  file->status_flags = static_cast<uint32_t>(flags & abi::kONonblock);
  auto guest_fd = ctx.fds.install(std::move(file), 0, flags & abi::kOCloexec);
  return guest_fd ? ok(*guest_fd) : from_neg(guest_fd.error());
}

SyscallOutcome do_readlinkat(SyscallContext& ctx, int64_t dirfd, uint64_t path_addr, uint64_t buf,
                             int64_t size) {
  if (size <= 0) return fail(EINVAL);
  auto resolved = resolve_at(ctx, dirfd, path_addr, false);
  if (!resolved) return from_neg(resolved.error());
  std::array<char, kMaxGuestPath> target{};
  ssize_t n = ::readlink(resolved->c_str(), target.data(), target.size());
  if (n < 0) return fail(errno);  // EINVAL when it is not a symlink, as on Linux
  const size_t copy = std::min<uint64_t>(static_cast<uint64_t>(n), static_cast<uint64_t>(size));
  return ctx.mem.write(buf, target.data(), copy) ? ok(static_cast<int64_t>(copy)) : fail(EFAULT);
}

SyscallOutcome do_faccessat(SyscallContext& ctx, int64_t dirfd, uint64_t path_addr, uint64_t mode,
                            uint64_t flags) {
  if (mode & ~(abi::kROk | abi::kWOk | abi::kXOk)) return fail(EINVAL);
  if (flags & ~(abi::kAtEaccess | abi::kAtSymlinkNofollow | abi::kAtEmptyPath)) return fail(EINVAL);
  auto resolved = resolve_at(ctx, dirfd, path_addr, !(flags & abi::kAtSymlinkNofollow));
  if (!resolved) return from_neg(resolved.error());
  struct stat st {};
  if (::lstat(resolved->c_str(), &st) != 0) return fail(errno);
  if (mode & abi::kWOk) return fail(EROFS);  // nothing the guest sees is writable
  const int host_mode = static_cast<int>(mode & (abi::kROk | abi::kXOk));
  if (host_mode == 0) return ok(0);
  if (::faccessat(AT_FDCWD, resolved->c_str(), host_mode, AT_EACCESS | AT_SYMLINK_NOFOLLOW) != 0)
    return fail(errno);
  return ok(0);
}

}  // namespace

SyscallOutcome sys_openat(SyscallContext& ctx) {
  return do_openat(ctx, ctx.int_arg(0), ctx.arg(1), ctx.arg(2) & 0xffffffffu);
}

SyscallOutcome sys_open(SyscallContext& ctx) {
  return do_openat(ctx, abi::kAtFdCwd, ctx.arg(0), ctx.arg(1) & 0xffffffffu);
}

SyscallOutcome sys_fstat(SyscallContext& ctx) {
  if (ctx.int_arg(0) == abi::kAtFdCwd) return fail(EBADF);
  return write_stat(ctx, stat_fd(ctx, ctx.int_arg(0)), ctx.arg(1));
}

SyscallOutcome sys_newfstatat(SyscallContext& ctx) {
  const uint64_t flags = ctx.arg(3) & 0xffffffffu;
  const uint64_t known = abi::kAtSymlinkNofollow | abi::kAtNoAutomount | abi::kAtEmptyPath;
  if (flags & ~known) return fail(EINVAL);
  return write_stat(ctx, stat_at(ctx, ctx.int_arg(0), ctx.arg(1), flags), ctx.arg(2));
}

SyscallOutcome sys_stat(SyscallContext& ctx) {
  return write_stat(ctx, stat_at(ctx, abi::kAtFdCwd, ctx.arg(0), 0), ctx.arg(1));
}

SyscallOutcome sys_lstat(SyscallContext& ctx) {
  return write_stat(ctx, stat_at(ctx, abi::kAtFdCwd, ctx.arg(0), abi::kAtSymlinkNofollow),
                    ctx.arg(1));
}

SyscallOutcome sys_statx(SyscallContext& ctx) {
  const uint64_t flags = ctx.arg(2) & 0xffffffffu;
  const uint64_t known =
      abi::kAtSymlinkNofollow | abi::kAtNoAutomount | abi::kAtEmptyPath | abi::kAtStatxSyncMask;
  if (flags & ~known) return fail(EINVAL);
  auto st = stat_at(ctx, ctx.int_arg(0), ctx.arg(1), flags);
  if (!st) return from_neg(st.error());
  const auto bytes = encode_statx(*st);
  return ctx.mem.write(ctx.arg(4), bytes.data(), bytes.size()) ? ok(0) : fail(EFAULT);
}

SyscallOutcome sys_readlinkat(SyscallContext& ctx) {
  return do_readlinkat(ctx, ctx.int_arg(0), ctx.arg(1), ctx.arg(2), ctx.int_arg(3));
}

SyscallOutcome sys_readlink(SyscallContext& ctx) {
  return do_readlinkat(ctx, abi::kAtFdCwd, ctx.arg(0), ctx.arg(1), ctx.int_arg(2));
}

SyscallOutcome sys_faccessat(SyscallContext& ctx) {
  return do_faccessat(ctx, ctx.int_arg(0), ctx.arg(1), ctx.arg(2) & 0xffffffffu, 0);
}

SyscallOutcome sys_faccessat2(SyscallContext& ctx) {
  return do_faccessat(ctx, ctx.int_arg(0), ctx.arg(1), ctx.arg(2) & 0xffffffffu,
                      ctx.arg(3) & 0xffffffffu);
}

SyscallOutcome sys_access(SyscallContext& ctx) {
  return do_faccessat(ctx, abi::kAtFdCwd, ctx.arg(0), ctx.arg(1) & 0xffffffffu, 0);
}

SyscallOutcome sys_getdents64(SyscallContext& ctx) {
  OpenFile* file = ctx.fds.get(ctx.int_arg(0));
  if (!file) return fail(EBADF);
  if (file->kind() != FileKind::kHostDir) return fail(ENOTDIR);
  const size_t size = std::min<uint64_t>(ctx.arg(2) & 0xffffffffu, kMaxDirentBuffer);
  // Our own position cookie, not the host fd's, decides where the listing continues.
  if (::lseek(file->host_fd(), static_cast<off_t>(file->offset), SEEK_SET) < 0) return fail(errno);
  std::vector<uint8_t> buf(size);
  const long n = ::syscall(SYS_getdents64, file->host_fd(), buf.data(), buf.size());
  if (n < 0) return fail(errno);
  // linux_dirent64 {u64 d_ino; i64 d_off; u16 d_reclen; u8 d_type; char d_name[]} has one
  // layout on every architecture, so the host's records are the guest's. Walk them to find
  // where the next call continues (the last record's d_off).
  uint64_t next = file->offset;
  for (size_t at = 0; at + 19 <= static_cast<size_t>(n);) {
    uint16_t reclen = 0;
    std::memcpy(&next, buf.data() + at + 8, sizeof next);
    std::memcpy(&reclen, buf.data() + at + 16, sizeof reclen);
    if (reclen == 0) break;
    at += reclen;
  }
  if (!ctx.mem.write(ctx.arg(1), buf.data(), static_cast<size_t>(n))) return fail(EFAULT);
  file->offset = next;
  return ok(n);
}

SyscallOutcome sys_getcwd(SyscallContext& ctx) {
  const std::string& cwd = ctx.proc.cwd;
  if (ctx.arg(1) < cwd.size() + 1) return fail(ERANGE);
  if (!ctx.mem.write(ctx.arg(0), cwd.c_str(), cwd.size() + 1)) return fail(EFAULT);
  return ok(static_cast<int64_t>(cwd.size() + 1));
}

SyscallOutcome sys_chdir(SyscallContext& ctx) {
  auto resolved = resolve_at(ctx, abi::kAtFdCwd, ctx.arg(0), true);
  if (!resolved) return from_neg(resolved.error());
  struct stat st {};
  if (::stat(resolved->c_str(), &st) != 0) return fail(errno);
  if (!S_ISDIR(st.st_mode)) return fail(ENOTDIR);
  ctx.proc.cwd = std::move(*resolved);
  return ok(0);
}

SyscallOutcome sys_fchdir(SyscallContext& ctx) {
  const OpenFile* file = ctx.fds.get(ctx.int_arg(0));
  if (!file) return fail(EBADF);
  if (file->kind() != FileKind::kHostDir) return fail(ENOTDIR);
  ctx.proc.cwd = file->path();
  return ok(0);
}

SyscallOutcome sys_umask(SyscallContext& ctx) {
  const uint32_t old = ctx.proc.umask;
  ctx.proc.umask = static_cast<uint32_t>(ctx.arg(0) & 0777);
  return ok(old);
}

}  // namespace forkbox::os
