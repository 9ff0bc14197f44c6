// Guest structures whose layout differs between architectures (or must not depend on the host's
// headers): struct stat, struct statx, struct utsname, struct sysinfo and the kernel's struct
// sigaction. Each is written field by field at its documented offset into a byte buffer, never
// by casting a host struct, so the layout is the guest's even when the host's differs.
#pragma once

#include <sys/stat.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "linux/syscall.hpp"

namespace forkbox::os {

// The fields forkbox reports for a file, independent of any architecture's struct stat.
struct FileStat {
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t nlink = 1;
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t rdev = 0;
  int64_t size = 0;
  int64_t blksize = 4096;
  int64_t blocks = 0;
  struct timespec atime {};
  struct timespec mtime {};
  struct timespec ctime {};
};

[[nodiscard]] FileStat file_stat_from_host(const struct stat& st);

// riscv64: asm-generic `struct stat`, 128 bytes. x86-64: its own, 144 bytes.
[[nodiscard]] std::vector<uint8_t> encode_stat(Arch arch, const FileStat& st);
inline constexpr size_t kStatxSize = 256;  // same on every architecture
[[nodiscard]] std::array<uint8_t, kStatxSize> encode_statx(const FileStat& st);
inline constexpr size_t kUtsnameSize = 6 * 65;  // six 65-byte strings on every architecture
[[nodiscard]] std::array<uint8_t, kUtsnameSize> encode_utsname(Arch arch);
inline constexpr size_t kSysinfoSize = 112;  // 64-bit layout, shared by both architectures
[[nodiscard]] std::array<uint8_t, kSysinfoSize> encode_sysinfo(int64_t uptime_seconds,
                                                               uint64_t total_ram,
                                                               uint64_t free_ram);

// The kernel `struct sigaction` (not glibc's): x86-64 has sa_restorer (32 bytes), riscv64 has
// not (24 bytes). The handler is at offset 0 on both; the mask is last.
[[nodiscard]] size_t kernel_sigaction_size(Arch arch);

}  // namespace forkbox::os
