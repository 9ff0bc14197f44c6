// The file-system calls: open (read-only, under the allow-list), the stat family, readlink,
// access, getdents64 and the working directory. Every path goes through PathPolicy::resolve
// (vfs.hpp), and the host file is then opened or inspected on the resolved path without
// following symlinks, so what the host touches is exactly what the policy checked.
//
// Only regular files and directories can be opened: a FIFO or device inside an allowed
// directory could block the engine thread or expose more than file contents. The legacy x86-64
// calls (open, stat, lstat, access, readlink, unlink, mkdir, rmdir) share the code of their *at
// successors.
//
// Two virtual trees come first, decided on the lexically normalized path before the host is
// consulted: the private writable /tmp (tmpfs.hpp), where files may be created, written,
// truncated, unlinked and directories made and removed, and the devices of dev_files.hpp.
// Everything else stays read-only: write intent on a host path is EROFS.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <vector>

#include "linux/arch_layouts.hpp"
#include "linux/dev_files.hpp"
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
  if (file->kind() != FileKind::kHostDir && file->kind() != FileKind::kTmpDir)
    return std::unexpected(-ENOTDIR);
  return file->path();
}

// Where a guest path leads: the private /tmp, a virtual device, or the host (resolved under the
// path policy). `path` is normalized for the virtual cases and resolved for the host.
enum class Where : uint8_t { kHost, kTmp, kDevice };
struct Target {
  Where where = Where::kHost;
  std::string path;
  DeviceKind device = DeviceKind::kNull;
};

// The private /tmp covers /tmp, except inside a host directory the caller explicitly allowed
// *below* /tmp (a checkout in /tmp, say): that directory shows through, read-only. Allowing
// "/" or "/tmp" itself never exposes the host's /tmp.
bool in_private_tmp(const SyscallContext& ctx, std::string_view path) {
  if (!TmpFs::covers(path)) return false;
  for (const std::string& dir : ctx.proc.paths.allowed_dirs()) {
    if (dir.size() <= TmpFs::kMountPoint.size() || !TmpFs::covers(dir)) continue;
    if (path == dir ||
        (path.starts_with(dir) && path.size() > dir.size() && path[dir.size()] == '/'))
      return false;
  }
  return true;
}

std::expected<Target, int> classify_at(SyscallContext& ctx, int64_t dirfd, uint64_t path_addr,
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
  Target t;
  std::string normal = normalize_path(base, *path);
  if (in_private_tmp(ctx, normal)) {
    t.where = Where::kTmp;
    t.path = std::move(normal);
    return t;
  }
  if (auto dev = device_at(normal)) {
    t.where = Where::kDevice;
    t.device = *dev;
    t.path = std::move(normal);
    return t;
  }
  auto resolved = ctx.proc.paths.resolve(base, *path, follow_final);
  if (!resolved) return std::unexpected(resolved.error());
  t.path = std::move(*resolved);
  return t;
}

std::function<bool(uint64_t)> tmp_in_use(SyscallContext& ctx) {
  return [&fds = ctx.fds](uint64_t ino) { return fds.refers_to_tmp(ino); };
}

// What fstat reports for fds without a host file behind them.
FileStat synthetic_stat(FileKind kind) {
  FileStat st;
  st.mode = S_IFIFO | 0600;  // streams and pipes read and write like pipes
  st.ino = static_cast<uint64_t>(kind) + 1;
  return st;
}

std::expected<FileStat, int> stat_fd(SyscallContext& ctx, int64_t fd) {
  if (fd == abi::kAtFdCwd && in_private_tmp(ctx, ctx.proc.cwd)) {
    auto ino = ctx.proc.tmp.lookup(ctx.proc.cwd);
    if (!ino) return std::unexpected(ino.error());
    return ctx.proc.tmp.stat(*ino);
  }
  if (fd == abi::kAtFdCwd) {
    struct stat st {};
    if (::lstat(ctx.proc.cwd.c_str(), &st) != 0) return std::unexpected(-errno);
    return file_stat_from_host(st);
  }
  const OpenFile* file = ctx.fds.get(fd);
  if (!file) return std::unexpected(-EBADF);
  if (file->kind() == FileKind::kTmpFile || file->kind() == FileKind::kTmpDir)
    return ctx.proc.tmp.stat(file->tmp_ino());
  if (file->kind() == FileKind::kDevice) return device_stat(file->device_kind());
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
  auto target = classify_at(ctx, dirfd, path_addr, !(flags & abi::kAtSymlinkNofollow));
  if (!target) return std::unexpected(target.error());
  if (target->where == Where::kTmp) {
    auto ino = ctx.proc.tmp.lookup(target->path);
    if (!ino) return std::unexpected(ino.error());
    return ctx.proc.tmp.stat(*ino);
  }
  if (target->where == Where::kDevice) return device_stat(target->device);
  struct stat st {};
  if (::lstat(target->path.c_str(), &st) != 0) return std::unexpected(-errno);
  return file_stat_from_host(st);
}

SyscallOutcome write_stat(SyscallContext& ctx, const std::expected<FileStat, int>& st,
                          uint64_t buf) {
  if (!st) return from_neg(st.error());
  const std::vector<uint8_t> bytes = encode_stat(ctx.arch(), *st);
  return ctx.mem.write(buf, bytes.data(), bytes.size()) ? ok(0) : fail(EFAULT);
}

SyscallOutcome install_open(SyscallContext& ctx, std::shared_ptr<OpenFile> file, uint64_t flags) {
  file->status_flags = static_cast<uint32_t>(flags & (abi::kONonblock | abi::kOAppend));
  auto guest_fd = ctx.fds.install(std::move(file), 0, flags & abi::kOCloexec);
  return guest_fd ? ok(*guest_fd) : from_neg(guest_fd.error());
}

SyscallOutcome open_tmp(SyscallContext& ctx, const std::string& path, uint64_t flags,
                        uint64_t mode) {
  TmpFs& tmp = ctx.proc.tmp;
  const uint32_t access = static_cast<uint32_t>(flags & abi::kOAccMode);
  if (access == abi::kOAccMode) return fail(EINVAL);
  if ((flags & abi::kOTmpfile) == abi::kOTmpfile) return fail(EOPNOTSUPP);
  std::expected<uint64_t, int> ino = std::unexpected(-ENOENT);
  if (flags & abi::kOCreat) {
    const uint32_t perms = static_cast<uint32_t>(mode & 07777) & ~ctx.proc.umask;
    ino = tmp.create_file(path, perms, flags & abi::kOExcl);
    if (!ino && ino.error() == -ENOSPC) {  // unlinked files closed since may free room
      tmp.release_unreferenced(tmp_in_use(ctx));
      ino = tmp.create_file(path, perms, flags & abi::kOExcl);
    }
  } else {
    ino = tmp.lookup(path);
  }
  if (!ino) return from_neg(ino.error());
  if (tmp.is_dir(*ino)) {
    if (access != abi::kORdOnly || (flags & abi::kOTrunc)) return fail(EISDIR);
    return install_open(ctx, OpenFile::tmp(FileKind::kTmpDir, *ino, path, access), flags);
  }
  if (flags & abi::kODirectory) return fail(ENOTDIR);
  if ((flags & abi::kOTrunc) && access != abi::kORdOnly) {
    if (int rc = tmp.truncate(*ino, 0); rc != 0) return fail(-rc);
  }
  return install_open(ctx, OpenFile::tmp(FileKind::kTmpFile, *ino, path, access), flags);
}

SyscallOutcome do_openat(SyscallContext& ctx, int64_t dirfd, uint64_t path_addr, uint64_t flags,
                         uint64_t mode) {
  auto target = classify_at(ctx, dirfd, path_addr, !(flags & abi::kONofollow));
  // Virtual files are decided on the path alone, so a refusal below never depends on the host.
  if (target && target->where == Where::kTmp) return open_tmp(ctx, target->path, flags, mode);
  if (target && target->where == Where::kDevice) {
    const uint64_t access = flags & abi::kOAccMode;
    if (access == abi::kOAccMode) return fail(EINVAL);
    if (flags & abi::kODirectory) return fail(ENOTDIR);
    if ((flags & abi::kOCreat) && (flags & abi::kOExcl)) return fail(EEXIST);
    return install_open(
        ctx, OpenFile::device(target->device, target->path, static_cast<uint32_t>(access)), flags);
  }
  // Refuse write intent on host paths before looking at the host: the answer must not depend on
  // whether the file exists there.
  const uint64_t write_intent = abi::kOCreat | abi::kOTrunc | abi::kOAppend | abi::kOTmpfile;
  if ((flags & abi::kOAccMode) != abi::kORdOnly || (flags & write_intent)) return fail(EROFS);
  if (!target) return from_neg(target.error());
  const std::string* resolved = &target->path;
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
  return install_open(ctx, OpenFile::host(kind, std::move(fd), *resolved), flags & ~abi::kOAppend);
}

SyscallOutcome do_readlinkat(SyscallContext& ctx, int64_t dirfd, uint64_t path_addr, uint64_t buf,
                             int64_t size) {
  if (size <= 0) return fail(EINVAL);
  auto where = classify_at(ctx, dirfd, path_addr, false);
  if (!where) return from_neg(where.error());
  if (where->where == Where::kDevice) return fail(EINVAL);  // no symlinks among them
  if (where->where == Where::kTmp) {
    auto ino = ctx.proc.tmp.lookup(where->path);
    return fail(ino ? EINVAL : -ino.error());
  }
  const std::string* resolved = &where->path;
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
  auto target = classify_at(ctx, dirfd, path_addr, !(flags & abi::kAtSymlinkNofollow));
  if (!target) return from_neg(target.error());
  if (target->where != Where::kHost) {
    FileStat st;
    if (target->where == Where::kTmp) {
      auto ino = ctx.proc.tmp.lookup(target->path);
      if (!ino) return from_neg(ino.error());
      st = ctx.proc.tmp.stat(*ino);
    } else {
      st = device_stat(target->device);
    }
    // The guest owns everything virtual: only execute permission can be missing.
    if ((mode & abi::kXOk) && !(st.mode & 0111)) return fail(EACCES);
    return ok(0);
  }
  const std::string* resolved = &target->path;
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
  return do_openat(ctx, ctx.int_arg(0), ctx.arg(1), ctx.arg(2) & 0xffffffffu, ctx.arg(3));
}

SyscallOutcome sys_open(SyscallContext& ctx) {
  return do_openat(ctx, abi::kAtFdCwd, ctx.arg(0), ctx.arg(1) & 0xffffffffu, ctx.arg(2));
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

namespace {

// A /tmp directory listing: ".", ".." then the entries by name; the position cookie is the
// index of the next entry (d_off of each record is the index after it).
SyscallOutcome tmp_getdents64(SyscallContext& ctx, OpenFile& file, size_t size) {
  std::vector<TmpDirEntry> entries = {{".", file.tmp_ino(), true}, {"..", 0, true}};
  for (TmpDirEntry& e : ctx.proc.tmp.list(file.tmp_ino())) entries.push_back(std::move(e));
  std::vector<uint8_t> buf;
  uint64_t index = file.offset;
  for (; index < entries.size(); ++index) {
    const TmpDirEntry& e = entries[index];
    // d_ino u64, d_off i64, d_reclen u16, d_type u8, name + NUL, padded to 8 bytes.
    const size_t reclen = (19 + e.name.size() + 1 + 7) & ~size_t{7};
    if (buf.size() + reclen > size) break;
    const size_t at = buf.size();
    buf.resize(at + reclen, 0);
    const uint64_t ino = e.ino ? e.ino : TmpFs::kRootIno;
    const uint64_t next = index + 1;
    const uint16_t len16 = static_cast<uint16_t>(reclen);
    const uint8_t type = e.dir ? 4 /* DT_DIR */ : 8 /* DT_REG */;
    std::memcpy(buf.data() + at, &ino, 8);
    std::memcpy(buf.data() + at + 8, &next, 8);
    std::memcpy(buf.data() + at + 16, &len16, 2);
    buf[at + 18] = type;
    std::memcpy(buf.data() + at + 19, e.name.data(), e.name.size());
  }
  if (buf.empty() && index < entries.size()) return fail(EINVAL);  // buffer too small
  if (!ctx.mem.write(ctx.arg(1), buf.data(), buf.size())) return fail(EFAULT);
  file.offset = index;
  return ok(static_cast<int64_t>(buf.size()));
}

}  // namespace

SyscallOutcome sys_getdents64(SyscallContext& ctx) {
  OpenFile* file = ctx.fds.get(ctx.int_arg(0));
  if (!file) return fail(EBADF);
  const size_t size = std::min<uint64_t>(ctx.arg(2) & 0xffffffffu, kMaxDirentBuffer);
  if (file->kind() == FileKind::kTmpDir) return tmp_getdents64(ctx, *file, size);
  if (file->kind() != FileKind::kHostDir) return fail(ENOTDIR);
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
  auto target = classify_at(ctx, abi::kAtFdCwd, ctx.arg(0), true);
  if (!target) return from_neg(target.error());
  if (target->where == Where::kDevice) return fail(ENOTDIR);
  if (target->where == Where::kTmp) {
    auto ino = ctx.proc.tmp.lookup(target->path);
    if (!ino) return from_neg(ino.error());
    if (!ctx.proc.tmp.is_dir(*ino)) return fail(ENOTDIR);
  } else {
    struct stat st {};
    if (::stat(target->path.c_str(), &st) != 0) return fail(errno);
    if (!S_ISDIR(st.st_mode)) return fail(ENOTDIR);
  }
  ctx.proc.cwd = std::move(target->path);
  return ok(0);
}

SyscallOutcome sys_fchdir(SyscallContext& ctx) {
  const OpenFile* file = ctx.fds.get(ctx.int_arg(0));
  if (!file) return fail(EBADF);
  if (file->kind() != FileKind::kHostDir && file->kind() != FileKind::kTmpDir) return fail(ENOTDIR);
  ctx.proc.cwd = file->path();
  return ok(0);
}

namespace {

// Changes to the name space: possible in /tmp only; EROFS on the host (when the path exists
// there or its parent does) and EACCES on the devices, as for an unprivileged Linux user.
SyscallOutcome do_unlinkat(SyscallContext& ctx, int64_t dirfd, uint64_t path_addr, bool dir) {
  auto target = classify_at(ctx, dirfd, path_addr, false);
  if (!target) return from_neg(target.error());
  if (target->where == Where::kDevice) return fail(EACCES);
  if (target->where == Where::kHost) return fail(EROFS);
  TmpFs& tmp = ctx.proc.tmp;
  const int rc = dir ? tmp.remove_dir(target->path) : tmp.unlink(target->path, tmp_in_use(ctx));
  if (rc == 0 && dir && in_private_tmp(ctx, ctx.proc.cwd) && !tmp.lookup(ctx.proc.cwd)) {
    ctx.proc.cwd = std::string(TmpFs::kMountPoint);  // Linux keeps a dead cwd; we fall back
  }
  return from_neg(rc);
}

// rename(2) in /tmp only. Linux reports EXDEV before EROFS for names on different mounts, so a
// move between /tmp and the host (or a device) is EXDEV; within the host, EROFS; between
// devices, EACCES (an unprivileged user cannot write /dev). RENAME_NOREPLACE is honoured;
// RENAME_EXCHANGE and RENAME_WHITEOUT are not offered (EINVAL, as a file system without them).
SyscallOutcome do_renameat(SyscallContext& ctx, int64_t old_dirfd, uint64_t old_addr,
                           int64_t new_dirfd, uint64_t new_addr, uint64_t flags) {
  constexpr uint64_t kRenameNoreplace = 1;
  if (flags & ~kRenameNoreplace) return fail(EINVAL);
  auto from = classify_at(ctx, old_dirfd, old_addr, false);
  if (!from) return from_neg(from.error());
  auto to = classify_at(ctx, new_dirfd, new_addr, false);
  if (!to) return from_neg(to.error());
  if (from->where != to->where) return fail(EXDEV);
  if (from->where == Where::kDevice) return fail(EACCES);
  if (from->where == Where::kHost) return fail(EROFS);
  TmpFs& tmp = ctx.proc.tmp;
  const int rc = tmp.rename(from->path, to->path, flags & kRenameNoreplace, tmp_in_use(ctx));
  if (rc != 0) return from_neg(rc);
  // A working directory inside a moved directory moves with it, as it would on Linux.
  std::string& cwd = ctx.proc.cwd;
  if (cwd == from->path || (cwd.starts_with(from->path) && cwd[from->path.size()] == '/'))
    cwd = to->path + cwd.substr(from->path.size());
  return ok(0);
}

SyscallOutcome do_mkdirat(SyscallContext& ctx, int64_t dirfd, uint64_t path_addr, uint64_t mode) {
  auto target = classify_at(ctx, dirfd, path_addr, false);
  if (!target) return from_neg(target.error());
  if (target->where == Where::kDevice) return fail(EEXIST);
  if (target->where == Where::kHost) return fail(EROFS);
  const uint32_t perms = static_cast<uint32_t>(mode & 07777) & ~ctx.proc.umask;
  auto ino = ctx.proc.tmp.make_dir(target->path, perms);
  if (!ino && ino.error() == -ENOSPC) {
    ctx.proc.tmp.release_unreferenced(tmp_in_use(ctx));
    ino = ctx.proc.tmp.make_dir(target->path, perms);
  }
  return ino ? ok(0) : from_neg(ino.error());
}

}  // namespace

SyscallOutcome sys_unlinkat(SyscallContext& ctx) {
  constexpr uint64_t kAtRemovedir = 0x200;
  const uint64_t flags = ctx.arg(2) & 0xffffffffu;
  if (flags & ~kAtRemovedir) return fail(EINVAL);
  return do_unlinkat(ctx, ctx.int_arg(0), ctx.arg(1), flags & kAtRemovedir);
}

SyscallOutcome sys_rename(SyscallContext& ctx) {
  return do_renameat(ctx, abi::kAtFdCwd, ctx.arg(0), abi::kAtFdCwd, ctx.arg(1), 0);
}

SyscallOutcome sys_renameat(SyscallContext& ctx) {
  return do_renameat(ctx, ctx.int_arg(0), ctx.arg(1), ctx.int_arg(2), ctx.arg(3), 0);
}

SyscallOutcome sys_renameat2(SyscallContext& ctx) {
  return do_renameat(ctx, ctx.int_arg(0), ctx.arg(1), ctx.int_arg(2), ctx.arg(3),
                     ctx.arg(4) & 0xffffffffu);
}

SyscallOutcome sys_unlink(SyscallContext& ctx) {
  return do_unlinkat(ctx, abi::kAtFdCwd, ctx.arg(0), false);
}

SyscallOutcome sys_rmdir(SyscallContext& ctx) {
  return do_unlinkat(ctx, abi::kAtFdCwd, ctx.arg(0), true);
}

SyscallOutcome sys_mkdirat(SyscallContext& ctx) {
  return do_mkdirat(ctx, ctx.int_arg(0), ctx.arg(1), ctx.arg(2));
}

SyscallOutcome sys_mkdir(SyscallContext& ctx) {
  return do_mkdirat(ctx, abi::kAtFdCwd, ctx.arg(0), ctx.arg(1));
}

SyscallOutcome sys_ftruncate(SyscallContext& ctx) {
  OpenFile* file = ctx.fds.get(ctx.int_arg(0));
  if (!file) return fail(EBADF);
  const int64_t length = static_cast<int64_t>(ctx.arg(1));
  if (length < 0) return fail(EINVAL);
  if (file->kind() != FileKind::kTmpFile || !file->writable()) return fail(EINVAL);
  return from_neg(ctx.proc.tmp.truncate(file->tmp_ino(), static_cast<uint64_t>(length)));
}

SyscallOutcome sys_umask(SyscallContext& ctx) {
  const uint32_t old = ctx.proc.umask;
  ctx.proc.umask = static_cast<uint32_t>(ctx.arg(0) & 0777);
  return ok(old);
}

}  // namespace forkbox::os
