// The address-space calls: brk, mmap, munmap, mprotect, mremap, madvise. The engine's
// GuestMemory owns the address space; these handlers validate the guest's arguments the way the
// kernel does and translate them into GuestMemory operations.
//
// File-backed mappings exist only as private copies. A host file is opened read-only and cannot
// change underneath (the guest cannot write host files), so an anonymous mapping filled with
// the file's bytes (poke ignores PROT_WRITE, so PROT_EXEC/read-only mappings work) is
// indistinguishable to the guest from a real MAP_PRIVATE file mapping, and lets every fork share
// nothing with the host file. Files of the private /tmp are copied the same way (see
// map_tmp_file for what that means for shared mappings).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <vector>

#include "linux/guest_abi.hpp"
#include "linux/syscall_context.hpp"

namespace forkbox::os {
namespace {

constexpr uint64_t kProtMask = kProtRead | kProtWrite | kProtExec;
// Chunk in which a file is copied into a fresh mapping (bounds the host buffer, not the map).
constexpr size_t kFileCopyChunk = 1u << 20;

bool page_aligned(uint64_t v) {
  return v % kPageSize == 0;
}

// Rounds a guest length up to pages, refusing lengths whose rounding would wrap.
std::optional<uint64_t> page_len(uint64_t len) {
  if (len == 0 || len > ~0ull - kPageSize) return std::nullopt;
  return page_ceil(len);
}

// Copies [offset, offset + len) of the host file into guest memory at addr, stopping at EOF
// (the rest of the mapping stays zero, as the tail of a file's last page does on Linux).
bool fill_from_file(GuestMemory& mem, int host_fd, uint64_t addr, uint64_t offset, uint64_t len) {
  struct stat st {};
  if (::fstat(host_fd, &st) != 0) return false;
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if (offset >= size) return true;
  const uint64_t copy = std::min(len, size - offset);
  std::vector<char> buf(std::min<uint64_t>(copy, kFileCopyChunk));
  for (uint64_t done = 0; done < copy;) {
    const size_t want = std::min<uint64_t>(copy - done, buf.size());
    ssize_t n = ::pread(host_fd, buf.data(), want, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n == 0;  // the file shrank: the rest stays zero
    if (!mem.poke(addr + done, buf.data(), static_cast<size_t>(n))) return false;
    done += static_cast<uint64_t>(n);
  }
  return true;
}

// A file of the private /tmp, mapped as a copy of its bytes like a host file. MAP_PRIVATE is
// exact (a private mapping's later writes never reach the file; Linux's private mapping would
// also show writes made to the file through write() before each page is first touched, which
// programs do not rely on), and so is a read-only shared mapping of a file nobody writes while
// it is mapped. A writable shared mapping would need its writes carried back into the file:
// refused with ENODEV, the errno of a file system without mmap support, so the program can fall
// back to read and write.
SyscallOutcome map_tmp_file(SyscallContext& ctx, const OpenFile& file, uint64_t addr,
                            uint64_t len, uint64_t prot, uint64_t type, uint64_t offset,
                            Placement placement) {
  if (!file.readable()) return fail(EACCES);
  if (type != abi::kMapPrivate && (prot & kProtWrite)) return fail(ENODEV);
  if (offset > static_cast<uint64_t>(LLONG_MAX) - len) return fail(EOVERFLOW);
  const GuestResult mapped = ctx.mem.map(addr, len, static_cast<uint8_t>(prot), placement);
  if (!mapped) return from_neg(mapped.error());
  const uint64_t size = ctx.proc.tmp.size(file.tmp_ino());
  for (uint64_t done = 0; offset < size && done < len;) {
    const std::string bytes = ctx.proc.tmp.read(
        file.tmp_ino(), offset + done, std::min<uint64_t>(len - done, kFileCopyChunk));
    if (bytes.empty()) break;
    if (!ctx.mem.poke(*mapped + done, bytes.data(), bytes.size())) {
      (void)ctx.mem.unmap(*mapped, len);
      return fail(EIO);
    }
    done += bytes.size();
  }
  return ok(static_cast<int64_t>(*mapped));
}

}  // namespace

SyscallOutcome sys_brk(SyscallContext& ctx) {
  return ok(static_cast<int64_t>(ctx.mem.set_brk(ctx.arg(0))));
}

SyscallOutcome sys_mmap(SyscallContext& ctx) {
  const uint64_t addr = ctx.arg(0);
  const uint64_t prot = ctx.arg(2);
  const uint64_t flags = ctx.arg(3);
  const int64_t fd = ctx.int_arg(4);
  const uint64_t offset = ctx.arg(5);
  const auto len = page_len(ctx.arg(1));
  if (!len) return fail(ctx.arg(1) == 0 ? EINVAL : ENOMEM);
  if (prot & ~kProtMask) return fail(EINVAL);
  if (!page_aligned(offset)) return fail(EINVAL);
  const uint64_t type = flags & abi::kMapTypeMask;
  if (type != abi::kMapPrivate && type != abi::kMapShared && type != abi::kMapSharedValidate)
    return fail(EINVAL);
  Placement placement = Placement::kHint;
  if (flags & abi::kMapFixedNoreplace) placement = Placement::kFixedNoReplace;
  if (flags & abi::kMapFixed) placement = Placement::kFixed;

  if (flags & abi::kMapAnonymous) {
    // Shared anonymous memory is private here: the guest has no other process to share with.
    const GuestResult mapped = ctx.mem.map(addr, *len, static_cast<uint8_t>(prot), placement);
    return mapped ? ok(static_cast<int64_t>(*mapped)) : from_neg(mapped.error());
  }

  OpenFile* file = ctx.fds.get(fd);
  if (!file) return fail(EBADF);
  if (file->kind() == FileKind::kTmpFile) return map_tmp_file(ctx, *file, addr, *len, prot, type,
                                                              offset, placement);
  if (file->kind() != FileKind::kHostFile) return fail(file->readable() ? ENODEV : EACCES);
  // A shared writable mapping would write to a file the guest may only read.
  if (type != abi::kMapPrivate && (prot & kProtWrite)) return fail(EACCES);
  if (offset > static_cast<uint64_t>(LLONG_MAX) - *len) return fail(EOVERFLOW);
  const GuestResult mapped = ctx.mem.map(addr, *len, static_cast<uint8_t>(prot), placement);
  if (!mapped) return from_neg(mapped.error());
  if (!fill_from_file(ctx.mem, file->host_fd(), *mapped, offset, *len)) {
    (void)ctx.mem.unmap(*mapped, *len);
    return fail(EIO);
  }
  return ok(static_cast<int64_t>(*mapped));
}

SyscallOutcome sys_munmap(SyscallContext& ctx) {
  const auto len = page_len(ctx.arg(1));
  if (!page_aligned(ctx.arg(0)) || !len) return fail(EINVAL);
  return from_neg(ctx.mem.unmap(ctx.arg(0), *len));
}

SyscallOutcome sys_mprotect(SyscallContext& ctx) {
  constexpr uint64_t kProtGrowsMask = 0x03000000;  // PROT_GROWSDOWN/UP: accepted, ignored
  const uint64_t prot = ctx.arg(2) & ~kProtGrowsMask;
  if (!page_aligned(ctx.arg(0)) || (prot & ~kProtMask)) return fail(EINVAL);
  if (ctx.arg(1) == 0) return ok(0);
  const auto len = page_len(ctx.arg(1));
  if (!len) return fail(ENOMEM);
  return from_neg(ctx.mem.protect(ctx.arg(0), *len, static_cast<uint8_t>(prot)));
}

SyscallOutcome sys_mremap(SyscallContext& ctx) {
  const uint64_t old_addr = ctx.arg(0);
  const uint64_t flags = ctx.arg(3);
  // MREMAP_FIXED and MREMAP_DONTUNMAP are not offered: glibc's realloc and every allocator we
  // run use plain MREMAP_MAYMOVE.
  if (flags & ~abi::kMremapMaymove) return fail(EINVAL);
  if (!page_aligned(old_addr)) return fail(EINVAL);
  const auto old_len = page_len(ctx.arg(1));
  const auto new_len = page_len(ctx.arg(2));
  if (!old_len || !new_len) return fail(EINVAL);
  const GuestResult moved =
      ctx.mem.remap(old_addr, *old_len, *new_len, flags & abi::kMremapMaymove);
  return moved ? ok(static_cast<int64_t>(*moved)) : from_neg(moved.error());
}

SyscallOutcome sys_madvise(SyscallContext& ctx) {
  const uint64_t addr = ctx.arg(0);
  if (!page_aligned(addr)) return fail(EINVAL);
  if (ctx.arg(1) == 0) return ok(0);
  const auto len = page_len(ctx.arg(1));
  if (!len) return fail(EINVAL);
  // Only MADV_DONTNEED changes what the guest observes (the range reads as zero again); the
  // other advice is about host performance and is accepted without effect.
  if ((ctx.arg(2) & 0xffffffffu) == abi::kMadvDontneed)
    return from_neg(ctx.mem.discard(addr, *len));
  return ok(0);
}

}  // namespace forkbox::os
