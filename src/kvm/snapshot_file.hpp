// Snapshots on disk: a warmed kvm guest saved to one file and loaded back, so a server restart
// (or a fleet of machines of one kind) need not warm Python again.
//
// Format (little-endian; version kSnapshotFormatVersion):
//   header, 64 bytes: magic "FBXSNAP\0", format version u32, section count u32, the forkbox
//     version that wrote it (16 bytes, NUL-padded), the host CPU fingerprint u64 (a hash of the
//     CPUID leaves the guest was shown and of XCR0), total file size u64, the caller's tag u64
//     (a hash of the recipe the snapshot was warmed from: program, argv, env, view), and a
//     checksum u64 over the header's first 56 bytes and the section table;
//   section table: per section {kind u32, 0 u32, offset u64, length u64, checksum u64};
//   sections: the machine image (vCPU state, allocator, address-space map, CPUID), the
//     personality (personality.hpp's encode), and guest memory (the list of populated extents of
//     the RAM memfd, then their bytes: a sparse image, only pages the warm-up touched).
//
// Loading checks, in this order, and stops at the first failure with a typed error: the magic
// (kNotASnapshot), the versions (kOtherVersion: a snapshot holds a guest whose layout, agent and
// kernel stub belong to the forkbox that made it), the file size and header checksum
// (kTruncated, kCorrupt), the tag (kOtherRecipe), the CPU fingerprint (kOtherCpu: a guest warmed
// with AVX-512 must not resume where it is missing), then each section's checksum while reading
// it (kCorrupt).
// Nothing is guessed: a snapshot either loads exactly or not at all.
//
// Saving writes a temporary file next to the target, fsyncs it, renames it over the target and
// fsyncs the directory, so a crash or a full disk leaves either the old file or the new one,
// never a partial file under the target's name. The checksums are a 64-bit word hash (not
// cryptographic): they catch corruption and truncation, not a forger with write access to the
// snapshot directory, which must be trusted like the forkbox binary itself.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kvm/snapshot.hpp"

namespace forkbox::kvm {

inline constexpr uint32_t kSnapshotFormatVersion = 1;
// The forkbox release the format and the guest-side layout belong to.
inline constexpr std::string_view kForkboxVersion = "0.6.0";
// Offsets of header fields a reader (or a test) may need to name.
inline constexpr size_t kHeaderVersionOffset = 8;
inline constexpr size_t kHeaderBytes = 64;

enum class SnapshotFileError : uint8_t {
  kIo,            // the file cannot be opened, read, written, synced or renamed
  kNoSpace,       // the disk is full (nothing was left under the target's name)
  kNotASnapshot,  // wrong magic: not a forkbox snapshot file
  kOtherVersion,  // written by another format version or forkbox version
  kOtherCpu,      // made on a host whose CPU features (as the guest sees them) differ
  kOtherRecipe,   // warmed from another program, arguments, environment or file view
  kTruncated,     // shorter than its header says
  kCorrupt,       // a checksum does not match, or a section is inconsistent
  kUnsupported,   // the snapshot cannot be saved (its personality passes stdio to host fds)
  kNoKvm,         // loading needs /dev/kvm to compare CPU features
};

[[nodiscard]] const char* describe(SnapshotFileError e);

// Saves `snap` under `path` with the caller's `tag` (see the format above).
[[nodiscard]] std::expected<void, SnapshotFileError> save_snapshot(const Snapshot& snap,
                                                                   const std::string& path,
                                                                   uint64_t tag = 0);
// Loads a snapshot saved with `tag` for this host (the CPU fingerprint comes from /dev/kvm).
[[nodiscard]] std::expected<std::shared_ptr<const Snapshot>, SnapshotFileError> load_snapshot(
    const std::string& path, uint64_t tag = 0);
// Loads a snapshot for a host whose fingerprint is `host_fingerprint`.
[[nodiscard]] std::expected<std::shared_ptr<const Snapshot>, SnapshotFileError> load_snapshot(
    const std::string& path, uint64_t tag, uint64_t host_fingerprint);

// The fingerprint of a CPUID view and XCR0, and the one a snapshot made on this host gets.
[[nodiscard]] uint64_t cpu_fingerprint(const std::vector<kvm_cpuid_entry2>& cpuid, uint64_t xcr0);
[[nodiscard]] std::expected<uint64_t, KvmError> host_cpu_fingerprint();

// The 64-bit checksum the format uses, incrementally: feed blocks whose sizes are multiples of 8
// except possibly the last.
class Checksum64 {
 public:
  void update(const void* data, size_t len);
  [[nodiscard]] uint64_t value() const;

 private:
  uint64_t state_ = 0x9e3779b97f4a7c15ull;
  uint64_t length_ = 0;
};

}  // namespace forkbox::kvm
