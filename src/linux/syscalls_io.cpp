// Byte I/O on guest fds: read/write and their vector and positional forms, lseek, pipes, dup,
// fcntl, ioctl and close. Host files are read-only; /tmp files (tmpfs.hpp) and the virtual
// devices (dev_files.hpp) are read and written as they were opened.
//
// Every transfer goes through one host-side bounce buffer of at most kMaxIoPerCall bytes: the
// guest's iovecs are gathered (or scattered) with GuestMemory, and the file side sees one
// contiguous read or write, as a real readv/writev is one operation (a vector read of stdin
// must not block a second time for its second segment). Reads peek first and consume only
// what reached the guest, so an EFAULT halfway loses no pipe or stdin bytes.
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <vector>

#include "linux/dev_files.hpp"
#include "linux/guest_abi.hpp"
#include "linux/syscall_context.hpp"

namespace forkbox::os {
namespace {

// Why 8 MiB: Linux may return short counts and every libc loops, so the cap costs nothing in
// behaviour, while it bounds the host memory and time one guest call can take.
constexpr size_t kMaxIoPerCall = 8u << 20;
// Linux's IOV_MAX (UIO_MAXIOV): more iovecs than this is EINVAL on a real kernel too.
constexpr int64_t kMaxIovecs = 1024;

struct IoSegment {
  uint64_t addr;
  uint64_t len;
};

// Reads the guest's iovec array (16 bytes each: base, length on both architectures).
std::expected<std::vector<IoSegment>, int> read_iovecs(GuestMemory& mem, uint64_t addr,
                                                       int64_t count) {
  if (count < 0 || count > kMaxIovecs) return std::unexpected(-EINVAL);
  std::vector<IoSegment> segs(static_cast<size_t>(count));
  uint64_t total = 0;
  for (size_t i = 0; i < segs.size(); ++i) {
    uint64_t raw[2];
    if (!mem.read(addr + i * sizeof raw, raw, sizeof raw)) return std::unexpected(-EFAULT);
    segs[i] = {raw[0], raw[1]};
    // The kernel refuses vectors whose total does not fit in ssize_t.
    if (raw[1] > static_cast<uint64_t>(SSIZE_MAX) - total) return std::unexpected(-EINVAL);
    total += raw[1];
  }
  return segs;
}

uint64_t total_len(const std::vector<IoSegment>& segs) {
  uint64_t total = 0;
  for (const IoSegment& s : segs) total += s.len;
  return total;
}

// Copies host bytes out to the segments; returns how many arrived (stops at the first fault).
size_t scatter(GuestMemory& mem, const std::vector<IoSegment>& segs, std::string_view bytes) {
  size_t done = 0;
  for (const IoSegment& s : segs) {
    if (done == bytes.size()) break;
    const size_t n = std::min<uint64_t>(s.len, bytes.size() - done);
    if (!mem.write(s.addr, bytes.data() + done, n)) break;
    done += n;
  }
  return done;
}

// Gathers at most `cap` guest bytes; a fault ends the gathering (partial data is kept).
std::expected<std::string, int> gather(GuestMemory& mem, const std::vector<IoSegment>& segs,
                                       size_t cap) {
  std::string out;
  out.reserve(std::min<uint64_t>(total_len(segs), cap));
  for (const IoSegment& s : segs) {
    const size_t n = std::min<uint64_t>(s.len, cap - out.size());
    const size_t at = out.size();
    out.resize(at + n);
    if (!mem.read(s.addr, out.data() + at, n)) {
      out.resize(at);
      if (out.empty()) return std::unexpected(-EFAULT);
      break;
    }
    if (out.size() == cap) break;
  }
  return out;
}

// Writes all of `bytes` to a host fd, waiting when it is non-blocking and full.
int64_t write_host_fd(int fd, std::string_view bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n >= 0) {
      done += static_cast<size_t>(n);
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      pollfd p{fd, POLLOUT, 0};
      (void)::poll(&p, 1, -1);
      continue;
    }
    return done > 0 ? static_cast<int64_t>(done) : -errno;
  }
  return static_cast<int64_t>(done);
}

// stdout/stderr: to the host fd or the capture buffer, up to the output limit.
SyscallOutcome write_stream(SyscallContext& ctx, FileKind kind, std::string_view bytes) {
  ProcessState& proc = ctx.proc;
  const uint64_t limit = ctx.config.stdio.output_limit;
  const uint64_t room = limit > proc.output_bytes ? limit - proc.output_bytes : 0;
  const std::string_view allowed = bytes.substr(0, std::min<uint64_t>(bytes.size(), room));
  const bool is_out = kind == FileKind::kStdout;
  const std::optional<int>& host =
      is_out ? ctx.config.stdio.stdout_host_fd : ctx.config.stdio.stderr_host_fd;
  int64_t written = static_cast<int64_t>(allowed.size());
  if (host) {
    written = write_host_fd(*host, allowed);
    if (written < 0) return from_neg(written);
  } else {
    (is_out ? proc.captured_stdout : proc.captured_stderr).append(allowed);
  }
  proc.output_bytes += static_cast<uint64_t>(written);
  if (allowed.size() < bytes.size()) return {OutcomeKind::kOutputLimit, written};
  return ok(written);
}

SyscallOutcome write_pipe(SyscallContext& ctx, OpenFile& file, std::string_view bytes) {
  PipeBuffer& pipe = *file.pipe();
  if (pipe.readers == 0) {
    // Linux raises SIGPIPE at the writer; if that does not end the guest, EPIPE.
    SyscallOutcome raised = raise_at_self(ctx, abi::kSigPipe);
    if (raised.kind != OutcomeKind::kReturn) return raised;
    return fail(EPIPE);
  }
  const size_t room = kPipeCapacity - pipe.data.size();
  if (room == 0) return fail(EAGAIN);  // nobody else can ever drain it: do not block
  const size_t n = std::min(room, bytes.size());
  pipe.data.append(bytes.substr(0, n));
  return ok(static_cast<int64_t>(n));
}

// A /tmp file: at `position` (pwrite), at the end (O_APPEND), or at the file offset.
SyscallOutcome write_tmp(SyscallContext& ctx, OpenFile& file, std::string_view bytes,
                         std::optional<uint64_t> position) {
  TmpFs& tmp = ctx.proc.tmp;
  const bool append = file.status_flags & abi::kOAppend;
  const uint64_t at = position ? *position : append ? tmp.size(file.tmp_ino()) : file.offset;
  auto n = tmp.write(file.tmp_ino(), at, bytes);
  if (!n && n.error() == -ENOSPC) {  // unlinked files closed since may free room
    tmp.release_unreferenced([&fds = ctx.fds](uint64_t ino) { return fds.refers_to_tmp(ino); });
    n = tmp.write(file.tmp_ino(), at, bytes);
  }
  if (!n) return from_neg(n.error());
  if (!position) file.offset = at + *n;
  return ok(static_cast<int64_t>(*n));
}

SyscallOutcome write_segments(SyscallContext& ctx, int64_t fd, const std::vector<IoSegment>& segs,
                              std::optional<uint64_t> position = std::nullopt) {
  OpenFile* file = ctx.fds.get(fd);
  if (!file) return fail(EBADF);
  if (!file->writable()) return fail(EBADF);
  if (position && file->kind() != FileKind::kTmpFile && file->kind() != FileKind::kDevice)
    return fail(ESPIPE);
  if (total_len(segs) == 0) return ok(0);
  auto bytes = gather(ctx.mem, segs, kMaxIoPerCall);
  if (!bytes) return from_neg(bytes.error());
  if (file->kind() == FileKind::kPipeWrite) return write_pipe(ctx, *file, *bytes);
  if (file->kind() == FileKind::kTmpFile) return write_tmp(ctx, *file, *bytes, position);
  if (file->kind() == FileKind::kDevice) return ok(static_cast<int64_t>(bytes->size()));
  return write_stream(ctx, file->kind(), *bytes);
}

// Bytes available to read from `file` without consuming them (files: at `offset`).
std::expected<std::string, int> peek(SyscallContext& ctx, OpenFile& file, uint64_t offset,
                                     size_t max) {
  std::string out;
  switch (file.kind()) {
    case FileKind::kStdin: {
      if (ctx.config.stdio.stdin_host_fd) {
        // One host read, as the guest's read is one: it returns what is there, and never more
        // than a pipe's worth, so a large guest buffer does not mean a large host one.
        max = std::min(max, kPipeCapacity);
        out.resize(max);
        ssize_t n;
        do {
          n = ::read(*ctx.config.stdio.stdin_host_fd, out.data(), max);
        } while (n < 0 && errno == EINTR);
        if (n < 0) return std::unexpected(-errno);
        out.resize(static_cast<size_t>(n));
        return out;
      }
      const std::string& data = ctx.config.stdio.stdin_data;
      const size_t at = std::min(ctx.proc.stdin_offset, data.size());
      return data.substr(at, std::min(max, data.size() - at));
    }
    case FileKind::kPipeRead: {
      const PipeBuffer& pipe = *file.pipe();
      // Empty with a writer left: only this (single) thread could write, so waiting would
      // deadlock; report EAGAIN as a non-blocking read would.
      if (pipe.data.empty() && pipe.writers > 0) return std::unexpected(-EAGAIN);
      return pipe.data.substr(0, std::min(max, pipe.data.size()));
    }
    case FileKind::kHostFile: {
      if (offset > static_cast<uint64_t>(LLONG_MAX)) return std::unexpected(-EINVAL);
      out.resize(max);
      size_t done = 0;
      while (done < max) {
        ssize_t n = ::pread(file.host_fd(), out.data() + done, max - done,
                            static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
          if (done == 0) return std::unexpected(-errno);
          break;
        }
        if (n == 0) break;
        done += static_cast<size_t>(n);
      }
      out.resize(done);
      return out;
    }
    case FileKind::kTmpFile:
      return ctx.proc.tmp.read(file.tmp_ino(), offset, max);
    case FileKind::kDevice:
      return read_device(file.device_kind(), max);
    case FileKind::kHostDir:
    case FileKind::kTmpDir:
      return std::unexpected(-EISDIR);
    default:
      return std::unexpected(-EBADF);
  }
}

void consume(SyscallContext& ctx, OpenFile& file, size_t n) {
  switch (file.kind()) {
    case FileKind::kStdin:
      if (!ctx.config.stdio.stdin_host_fd) ctx.proc.stdin_offset += n;
      break;
    case FileKind::kPipeRead:
      file.pipe()->data.erase(0, n);
      break;
    case FileKind::kHostFile:
    case FileKind::kTmpFile:
      file.offset += n;
      break;
    default:
      break;
  }
}

// `position` set: pread-style (files only, the offset does not move).
SyscallOutcome read_segments(SyscallContext& ctx, int64_t fd, const std::vector<IoSegment>& segs,
                             std::optional<uint64_t> position) {
  OpenFile* file = ctx.fds.get(fd);
  if (!file) return fail(EBADF);
  if (file->kind() == FileKind::kHostDir || file->kind() == FileKind::kTmpDir) return fail(EISDIR);
  if (!file->readable()) return fail(EBADF);
  const bool positional = file->kind() == FileKind::kHostFile ||
                          file->kind() == FileKind::kTmpFile || file->kind() == FileKind::kDevice;
  if (position && !positional) return fail(ESPIPE);
  if (file->kind() == FileKind::kStdin && ctx.config.pause_on_stdin_read) {
    return {OutcomeKind::kPause, 0};
  }
  const size_t want = std::min<uint64_t>(total_len(segs), kMaxIoPerCall);
  if (want == 0) return ok(0);
  auto bytes = peek(ctx, *file, position.value_or(file->offset), want);
  if (!bytes) return from_neg(bytes.error());
  const size_t copied = scatter(ctx.mem, segs, *bytes);
  if (copied == 0 && !bytes->empty()) return fail(EFAULT);
  if (!position) consume(ctx, *file, copied);
  return ok(static_cast<int64_t>(copied));
}

}  // namespace

SyscallOutcome sys_read(SyscallContext& ctx) {
  return read_segments(ctx, ctx.int_arg(0), {{ctx.arg(1), ctx.arg(2)}}, std::nullopt);
}

SyscallOutcome sys_write(SyscallContext& ctx) {
  return write_segments(ctx, ctx.int_arg(0), {{ctx.arg(1), ctx.arg(2)}});
}

SyscallOutcome sys_readv(SyscallContext& ctx) {
  auto segs = read_iovecs(ctx.mem, ctx.arg(1), ctx.int_arg(2));
  if (!segs) return from_neg(segs.error());
  return read_segments(ctx, ctx.int_arg(0), *segs, std::nullopt);
}

SyscallOutcome sys_writev(SyscallContext& ctx) {
  auto segs = read_iovecs(ctx.mem, ctx.arg(1), ctx.int_arg(2));
  if (!segs) return from_neg(segs.error());
  return write_segments(ctx, ctx.int_arg(0), *segs);
}

SyscallOutcome sys_pread64(SyscallContext& ctx) {
  if (static_cast<int64_t>(ctx.arg(3)) < 0) return fail(EINVAL);
  return read_segments(ctx, ctx.int_arg(0), {{ctx.arg(1), ctx.arg(2)}}, ctx.arg(3));
}

SyscallOutcome sys_preadv(SyscallContext& ctx) {
  if (static_cast<int64_t>(ctx.arg(3)) < 0) return fail(EINVAL);
  auto segs = read_iovecs(ctx.mem, ctx.arg(1), ctx.int_arg(2));
  if (!segs) return from_neg(segs.error());
  return read_segments(ctx, ctx.int_arg(0), *segs, ctx.arg(3));
}

SyscallOutcome sys_pwrite64(SyscallContext& ctx) {
  // Streams and pipes refuse positional writes with ESPIPE; /tmp files and devices take them.
  if (static_cast<int64_t>(ctx.arg(3)) < 0) return fail(EINVAL);
  return write_segments(ctx, ctx.int_arg(0), {{ctx.arg(1), ctx.arg(2)}}, ctx.arg(3));
}

SyscallOutcome sys_lseek(SyscallContext& ctx) {
  OpenFile* file = ctx.fds.get(ctx.int_arg(0));
  if (!file) return fail(EBADF);
  const int64_t offset = static_cast<int64_t>(ctx.arg(1));
  const int64_t whence = ctx.int_arg(2);
  if (file->kind() == FileKind::kDevice) return ok(0);  // Linux's noop llseek for these devices
  if (file->kind() == FileKind::kHostDir || file->kind() == FileKind::kTmpDir) {
    // Directory positions are getdents64 cookies; only rewinding and restoring make sense.
    if (whence == abi::kSeekSet && offset >= 0)
      file->offset = static_cast<uint64_t>(offset);
    else if (!(whence == abi::kSeekCur && offset == 0))
      return fail(EINVAL);
    return ok(static_cast<int64_t>(file->offset));
  }
  if (file->kind() != FileKind::kHostFile && file->kind() != FileKind::kTmpFile)
    return fail(ESPIPE);
  int64_t base = 0;
  if (whence == abi::kSeekCur) {
    base = static_cast<int64_t>(file->offset);
  } else if (whence == abi::kSeekEnd && file->kind() == FileKind::kTmpFile) {
    base = static_cast<int64_t>(ctx.proc.tmp.size(file->tmp_ino()));
  } else if (whence == abi::kSeekEnd) {
    struct stat st {};
    if (::fstat(file->host_fd(), &st) != 0) return fail(EBADF);
    base = st.st_size;
  } else if (whence != abi::kSeekSet) {
    return fail(EINVAL);  // SEEK_DATA/SEEK_HOLE are not offered
  }
  int64_t target = 0;
  if (__builtin_add_overflow(base, offset, &target) || target < 0) return fail(EINVAL);
  file->offset = static_cast<uint64_t>(target);
  return ok(target);
}

SyscallOutcome sys_pipe2(SyscallContext& ctx) {
  const uint64_t flags = ctx.arg(1) & 0xffffffffu;
  if (flags & ~(abi::kOCloexec | abi::kONonblock | abi::kODirect)) return fail(EINVAL);
  auto pipe = std::make_shared<PipeBuffer>();
  const bool cloexec = flags & abi::kOCloexec;
  auto read_end = OpenFile::pipe_end(pipe, true);
  auto write_end = OpenFile::pipe_end(pipe, false);
  read_end->status_flags = write_end->status_flags = flags & abi::kONonblock;
  auto rfd = ctx.fds.install(std::move(read_end), 0, cloexec);
  if (!rfd) return from_neg(rfd.error());
  auto wfd = ctx.fds.install(std::move(write_end), 0, cloexec);
  if (!wfd) {
    (void)ctx.fds.close(*rfd);
    return from_neg(wfd.error());
  }
  const int32_t fds[2] = {*rfd, *wfd};
  if (!ctx.mem.write(ctx.arg(0), fds, sizeof fds)) {
    (void)ctx.fds.close(*rfd);
    (void)ctx.fds.close(*wfd);
    return fail(EFAULT);
  }
  return ok(0);
}

SyscallOutcome sys_pipe(SyscallContext& ctx) {
  SyscallRequest req = ctx.req;
  req.args[1] = 0;
  SyscallContext inner{ctx.config, ctx.proc, ctx.fds, ctx.mem, req};
  return sys_pipe2(inner);
}

SyscallOutcome sys_dup(SyscallContext& ctx) {
  auto file = ctx.fds.get_shared(ctx.int_arg(0));
  if (!file) return fail(EBADF);
  auto fd = ctx.fds.install(std::move(file), 0, false);
  return fd ? ok(*fd) : from_neg(fd.error());
}

namespace {
SyscallOutcome dup_to(SyscallContext& ctx, int64_t old_fd, int64_t new_fd, bool cloexec) {
  auto file = ctx.fds.get_shared(old_fd);
  if (!file) return fail(EBADF);
  const int rc = ctx.fds.install_at(new_fd, std::move(file), cloexec);
  return rc < 0 ? from_neg(rc) : ok(new_fd);
}
}  // namespace

SyscallOutcome sys_dup2(SyscallContext& ctx) {
  const int64_t old_fd = ctx.int_arg(0), new_fd = ctx.int_arg(1);
  if (old_fd == new_fd) return ctx.fds.get(old_fd) ? ok(new_fd) : fail(EBADF);
  return dup_to(ctx, old_fd, new_fd, false);
}

SyscallOutcome sys_dup3(SyscallContext& ctx) {
  const int64_t old_fd = ctx.int_arg(0), new_fd = ctx.int_arg(1);
  const uint64_t flags = ctx.arg(2) & 0xffffffffu;
  if (flags & ~abi::kOCloexec) return fail(EINVAL);
  if (old_fd == new_fd) return fail(EINVAL);
  return dup_to(ctx, old_fd, new_fd, flags & abi::kOCloexec);
}

SyscallOutcome sys_fcntl(SyscallContext& ctx) {
  const int64_t fd = ctx.int_arg(0);
  const int64_t cmd = ctx.int_arg(1);
  const uint64_t arg = ctx.arg(2);
  OpenFile* file = ctx.fds.get(fd);
  if (!file) return fail(EBADF);
  switch (cmd) {
    case abi::kFDupfd:
    case abi::kFDupfdCloexec: {
      const int64_t min_fd = static_cast<int32_t>(arg);
      if (min_fd < 0 || min_fd >= kMaxGuestFds) return fail(EINVAL);
      auto new_fd = ctx.fds.install(ctx.fds.get_shared(fd), static_cast<int>(min_fd),
                                    cmd == abi::kFDupfdCloexec);
      return new_fd ? ok(*new_fd) : from_neg(new_fd.error());
    }
    case abi::kFGetfd:
      return ok(ctx.fds.cloexec(fd) ? abi::kFdCloexec : 0);
    case abi::kFSetfd:
      ctx.fds.set_cloexec(fd, arg & abi::kFdCloexec);
      return ok(0);
    case abi::kFGetfl:
      return ok(static_cast<int64_t>(file->access() | abi::kOLargefile | file->status_flags));
    case abi::kFSetfl:
      file->status_flags = static_cast<uint32_t>(arg & (abi::kONonblock | abi::kOAppend));
      return ok(0);
    case abi::kFGetlk:
    case abi::kFOfdGetlk: {
      // No other process exists to hold a lock: report the range as unlocked (l_type is the
      // leading short of struct flock on both architectures).
      const uint16_t unlocked = abi::kFUnlck;
      return ctx.mem.write(arg, &unlocked, sizeof unlocked) ? ok(0) : fail(EFAULT);
    }
    case abi::kFSetlk:
    case abi::kFSetlkw:
    case abi::kFOfdSetlk:
    case abi::kFOfdSetlkw:
      return ok(0);  // always granted, for the same reason
    case abi::kFGetpipeSz:
    case abi::kFSetpipeSz:
      if (!file->pipe()) return fail(EBADF);
      return ok(static_cast<int64_t>(kPipeCapacity));  // the size is fixed
    default:
      return fail(EINVAL);
  }
}

SyscallOutcome sys_ioctl(SyscallContext& ctx) {
  const int64_t fd = ctx.int_arg(0);
  OpenFile* file = ctx.fds.get(fd);
  if (!file) return fail(EBADF);
  const uint64_t request = ctx.arg(1) & 0xffffffffu;
  const uint64_t arg = ctx.arg(2);
  switch (request) {
    case abi::kFioclex:
    case abi::kFionclex:
      ctx.fds.set_cloexec(fd, request == abi::kFioclex);
      return ok(0);
    case abi::kFionbio: {
      auto on = read_u32(ctx.mem, arg);
      if (!on) return fail(EFAULT);
      if (*on)
        file->status_flags |= abi::kONonblock;
      else
        file->status_flags &= ~static_cast<uint32_t>(abi::kONonblock);
      return ok(0);
    }
    case abi::kFionread: {
      uint64_t available = 0;
      if (file->pipe()) {
        available = file->pipe()->data.size();
      } else if (file->kind() == FileKind::kStdin && !ctx.config.stdio.stdin_host_fd) {
        const std::string& data = ctx.config.stdio.stdin_data;
        available = data.size() - std::min(ctx.proc.stdin_offset, data.size());
      } else if (file->kind() == FileKind::kTmpFile) {
        const uint64_t size = ctx.proc.tmp.size(file->tmp_ino());
        available = size > file->offset ? size - file->offset : 0;
      } else if (file->kind() == FileKind::kHostFile) {
        struct stat st {};
        if (::fstat(file->host_fd(), &st) == 0 && static_cast<uint64_t>(st.st_size) > file->offset)
          available = static_cast<uint64_t>(st.st_size) - file->offset;
      } else {
        return fail(ENOTTY);
      }
      const uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(available, INT_MAX));
      return write_u32(ctx.mem, arg, n) ? ok(0) : fail(EFAULT);
    }
    default:
      // No guest fd is a terminal (TCGETS, TIOCGWINSZ, ...): programs then fully buffer
      // stdout, and nothing can change a host terminal's settings.
      return fail(ENOTTY);
  }
}

SyscallOutcome sys_close(SyscallContext& ctx) {
  return from_neg(ctx.fds.close(ctx.int_arg(0)));
}

SyscallOutcome sys_close_range(SyscallContext& ctx) {
  constexpr uint64_t kCloseRangeUnshare = 2;  // meaningless: the table is never shared
  constexpr uint64_t kCloseRangeCloexec = 4;
  const uint64_t first = ctx.arg(0) & 0xffffffffu, last = ctx.arg(1) & 0xffffffffu;
  const uint64_t flags = ctx.arg(2) & 0xffffffffu;
  if (flags & ~(kCloseRangeUnshare | kCloseRangeCloexec) || first > last) return fail(EINVAL);
  if (flags & kCloseRangeCloexec) {
    for (uint64_t fd = first; fd <= last && fd < static_cast<uint64_t>(kMaxGuestFds); ++fd)
      ctx.fds.set_cloexec(static_cast<int64_t>(fd), true);
  } else {
    ctx.fds.close_range(first, last);
  }
  return ok(0);
}

}  // namespace forkbox::os
