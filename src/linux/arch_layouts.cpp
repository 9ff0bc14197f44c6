// Field-by-field encoders for the guest structures listed in arch_layouts.hpp. Offsets come
// from Linux's uapi headers (asm-generic/stat.h, arch/x86/include/uapi/asm/stat.h,
// linux/stat.h, linux/utsname.h, linux/sysinfo.h) and were checked against the riscv64 and
// x86-64 headers installed on the development machines.
#include "linux/arch_layouts.hpp"

#include <sys/sysmacros.h>

#include <algorithm>
#include <cstring>
#include <string_view>

namespace forkbox::os {
namespace {

template <typename T>
void put(uint8_t* buf, size_t offset, T value) {
  std::memcpy(buf + offset, &value, sizeof(T));
}

void put_string(uint8_t* buf, size_t offset, size_t field_size, std::string_view s) {
  std::memcpy(buf + offset, s.data(), std::min(s.size(), field_size - 1));
}

}  // namespace

FileStat file_stat_from_host(const struct stat& st) {
  FileStat out;
  out.dev = st.st_dev;
  out.ino = st.st_ino;
  out.nlink = st.st_nlink;
  out.mode = st.st_mode;
  out.uid = st.st_uid;
  out.gid = st.st_gid;
  out.rdev = st.st_rdev;
  out.size = st.st_size;
  out.blksize = st.st_blksize;
  out.blocks = st.st_blocks;
  out.atime = st.st_atim;
  out.mtime = st.st_mtim;
  out.ctime = st.st_ctim;
  return out;
}

std::vector<uint8_t> encode_stat(Arch arch, const FileStat& st) {
  if (arch == Arch::kRiscv64) {
    // asm-generic: dev@0 ino@8 mode:u32@16 nlink:u32@20 uid@24 gid@28 rdev@32 pad@40 size@48
    // blksize:i32@56 pad@60 blocks@64 atime@72/80 mtime@88/96 ctime@104/112 unused@120.
    std::vector<uint8_t> buf(128, 0);
    put<uint64_t>(buf.data(), 0, st.dev);
    put<uint64_t>(buf.data(), 8, st.ino);
    put<uint32_t>(buf.data(), 16, st.mode);
    put<uint32_t>(buf.data(), 20, static_cast<uint32_t>(st.nlink));
    put<uint32_t>(buf.data(), 24, st.uid);
    put<uint32_t>(buf.data(), 28, st.gid);
    put<uint64_t>(buf.data(), 32, st.rdev);
    put<int64_t>(buf.data(), 48, st.size);
    put<int32_t>(buf.data(), 56, static_cast<int32_t>(st.blksize));
    put<int64_t>(buf.data(), 64, st.blocks);
    put<int64_t>(buf.data(), 72, st.atime.tv_sec);
    put<uint64_t>(buf.data(), 80, static_cast<uint64_t>(st.atime.tv_nsec));
    put<int64_t>(buf.data(), 88, st.mtime.tv_sec);
    put<uint64_t>(buf.data(), 96, static_cast<uint64_t>(st.mtime.tv_nsec));
    put<int64_t>(buf.data(), 104, st.ctime.tv_sec);
    put<uint64_t>(buf.data(), 112, static_cast<uint64_t>(st.ctime.tv_nsec));
    return buf;
  }
  // x86-64: dev@0 ino@8 nlink:u64@16 mode:u32@24 uid@28 gid@32 pad@36 rdev@40 size@48
  // blksize:i64@56 blocks@64 atime@72/80 mtime@88/96 ctime@104/112 unused[3]@120.
  std::vector<uint8_t> buf(144, 0);
  put<uint64_t>(buf.data(), 0, st.dev);
  put<uint64_t>(buf.data(), 8, st.ino);
  put<uint64_t>(buf.data(), 16, st.nlink);
  put<uint32_t>(buf.data(), 24, st.mode);
  put<uint32_t>(buf.data(), 28, st.uid);
  put<uint32_t>(buf.data(), 32, st.gid);
  put<uint64_t>(buf.data(), 40, st.rdev);
  put<int64_t>(buf.data(), 48, st.size);
  put<int64_t>(buf.data(), 56, st.blksize);
  put<int64_t>(buf.data(), 64, st.blocks);
  put<int64_t>(buf.data(), 72, st.atime.tv_sec);
  put<uint64_t>(buf.data(), 80, static_cast<uint64_t>(st.atime.tv_nsec));
  put<int64_t>(buf.data(), 88, st.mtime.tv_sec);
  put<uint64_t>(buf.data(), 96, static_cast<uint64_t>(st.mtime.tv_nsec));
  put<int64_t>(buf.data(), 104, st.ctime.tv_sec);
  put<uint64_t>(buf.data(), 112, static_cast<uint64_t>(st.ctime.tv_nsec));
  return buf;
}

std::array<uint8_t, kStatxSize> encode_statx(const FileStat& st) {
  // linux/stat.h: mask@0 blksize@4 attributes@8 nlink@16 uid@20 gid@24 mode:u16@28 ino@32
  // size@40 blocks@48 attributes_mask@56, timestamps {i64 sec, u32 nsec, i32 pad} atime@64
  // btime@80 ctime@96 mtime@112, rdev_major@128 rdev_minor@132 dev_major@136 dev_minor@140.
  constexpr uint32_t kStatxBasicStats = 0x7ff;  // type, mode, nlink, uid, gid, times, ino, ...
  std::array<uint8_t, kStatxSize> buf{};
  put<uint32_t>(buf.data(), 0, kStatxBasicStats);
  put<uint32_t>(buf.data(), 4, static_cast<uint32_t>(st.blksize));
  put<uint32_t>(buf.data(), 16, static_cast<uint32_t>(st.nlink));
  put<uint32_t>(buf.data(), 20, st.uid);
  put<uint32_t>(buf.data(), 24, st.gid);
  put<uint16_t>(buf.data(), 28, static_cast<uint16_t>(st.mode));
  put<uint64_t>(buf.data(), 32, st.ino);
  put<uint64_t>(buf.data(), 40, static_cast<uint64_t>(st.size));
  put<uint64_t>(buf.data(), 48, static_cast<uint64_t>(st.blocks));
  auto put_time = [&](size_t offset, const struct timespec& t) {
    put<int64_t>(buf.data(), offset, t.tv_sec);
    put<uint32_t>(buf.data(), offset + 8, static_cast<uint32_t>(t.tv_nsec));
  };
  put_time(64, st.atime);
  put_time(96, st.ctime);
  put_time(112, st.mtime);
  put<uint32_t>(buf.data(), 128, major(st.rdev));
  put<uint32_t>(buf.data(), 132, minor(st.rdev));
  put<uint32_t>(buf.data(), 136, major(st.dev));
  put<uint32_t>(buf.data(), 140, minor(st.dev));
  return buf;
}

std::array<uint8_t, kUtsnameSize> encode_utsname(Arch arch) {
  // sysname, nodename, release, version, machine, domainname; 65 bytes each, NUL-padded. The
  // release is the kernel the personality imitates (Debian 12's), which is what glibc and
  // programs that parse it expect to see.
  constexpr size_t kField = 65;
  std::array<uint8_t, kUtsnameSize> buf{};
  put_string(buf.data(), 0 * kField, kField, "Linux");
  put_string(buf.data(), 1 * kField, kField, "forkbox");
  put_string(buf.data(), 2 * kField, kField, "6.1.0-forkbox");
  put_string(buf.data(), 3 * kField, kField, "#1 SMP forkbox");
  put_string(buf.data(), 4 * kField, kField, arch == Arch::kRiscv64 ? "riscv64" : "x86_64");
  put_string(buf.data(), 5 * kField, kField, "(none)");
  return buf;
}

std::array<uint8_t, kSysinfoSize> encode_sysinfo(int64_t uptime_seconds, uint64_t total_ram,
                                                 uint64_t free_ram) {
  // linux/sysinfo.h on 64-bit: uptime@0 loads[3]@8 totalram@32 freeram@40 sharedram@48
  // bufferram@56 totalswap@64 freeswap@72 procs:u16@80 totalhigh@88 freehigh@96 mem_unit@104.
  std::array<uint8_t, kSysinfoSize> buf{};
  put<int64_t>(buf.data(), 0, uptime_seconds);
  put<uint64_t>(buf.data(), 32, total_ram);
  put<uint64_t>(buf.data(), 40, free_ram);
  put<uint16_t>(buf.data(), 80, 1);   // one process: the guest
  put<uint32_t>(buf.data(), 104, 1);  // sizes above are in bytes
  return buf;
}

size_t kernel_sigaction_size(Arch arch) {
  return arch == Arch::kX86_64 ? 32 : 24;
}

}  // namespace forkbox::os
