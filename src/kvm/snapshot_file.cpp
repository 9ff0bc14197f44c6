// Snapshot files; see snapshot_file.hpp for the format and the order of the checks.
#include "kvm/snapshot_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstring>

#include "kvm/cpu_setup.hpp"
#include "kvm/kernel_layout.hpp"
#include "linux/byte_codec.hpp"

namespace forkbox::kvm {
namespace {

using os::ByteReader;
using os::ByteWriter;

constexpr std::array<char, 8> kMagic = {'F', 'B', 'X', 'S', 'N', 'A', 'P', '\0'};
enum class SectionKind : uint32_t { kMachine = 1, kPersonality = 2, kMemory = 3 };
constexpr size_t kSectionCount = 3;
constexpr size_t kSectionEntryBytes = 32;
// Why 64 MiB: the machine and personality sections are kilobytes (a few MiB with a full /tmp
// image); the bound keeps a corrupt length from allocating gigabytes before its checksum fails.
constexpr uint64_t kMaxSmallSection = 64ull << 20;
// Why 1 << 20 pages: far more CPUID leaves, MSRs, free pages or regions than a guest has; it
// bounds every count in the machine section.
constexpr uint64_t kMaxCount = 1ull << 20;
// Why 64 GiB + the reserved area: the engine's cap on a RAM slot (machine.cpp's kMaxMemoryBytes).
constexpr uint64_t kMaxMemoryBytes = (64ull << 30) + kReservedBytes;
// Copy granularity between the file and the memfd.
constexpr size_t kChunk = 1u << 20;

struct SectionEntry {
  uint32_t kind;
  uint32_t zero;
  uint64_t offset;
  uint64_t length;
  uint64_t checksum;
};
static_assert(sizeof(SectionEntry) == kSectionEntryBytes);

struct Header {
  std::array<char, 8> magic;
  uint32_t version;
  uint32_t sections;
  std::array<char, 16> forkbox_version;
  uint64_t cpu_fingerprint;
  uint64_t file_size;
  uint64_t tag;
  uint64_t checksum;
};
static_assert(sizeof(Header) == kHeaderBytes);

uint64_t mix(uint64_t h, uint64_t w) {
  h ^= w * 0xff51afd7ed558ccdull;
  h = std::rotl(h, 31) * 0xc4ceb9fe1a85ec53ull;
  return h;
}

std::array<char, 16> version_field() {
  std::array<char, 16> v{};
  std::memcpy(v.data(), kForkboxVersion.data(), std::min(kForkboxVersion.size(), v.size() - 1));
  return v;
}

uint64_t header_checksum(const Header& h, const std::vector<SectionEntry>& table) {
  Checksum64 sum;
  sum.update(&h, offsetof(Header, checksum));
  sum.update(table.data(), table.size() * sizeof(SectionEntry));
  return sum.value();
}

// ---- the machine section ----

void encode_machine(ByteWriter& out, const Snapshot& snap) {
  const MachineImage& m = snap.image;
  out.record(m.vcpu.regs);
  out.record(m.vcpu.sregs);
  out.record(m.vcpu.xsave);
  out.record(m.vcpu.xcrs);
  out.record(m.vcpu.debugregs);
  out.record(m.vcpu.events);
  out.u64(m.vcpu.msrs.size());
  for (const kvm_msr_entry& e : m.vcpu.msrs) out.record(e);
  out.u64(m.alloc.next);
  out.u64(m.alloc.in_use);
  out.u64(m.alloc.free.size());
  for (uint64_t page : m.alloc.free) out.u64(page);
  const os::VmMap& map = m.space.map;
  out.u64(map.low_limit());
  out.u64(map.mmap_top());
  out.u64(map.high_limit());
  out.u64(map.regions().size());
  for (const auto& [start, r] : map.regions()) {
    out.u64(r.start);
    out.u64(r.end);
    out.u8(r.prot);
  }
  out.u64(m.space.brk_start);
  out.u64(m.space.brk);
  out.u64(m.space.user_pages);
  out.u64(m.memory_size);
  out.u64(m.page_table_root);
  out.u64(m.hwcap);
  out.u64(m.xcr0);
  out.u64(m.cpuid.size());
  for (const kvm_cpuid_entry2& e : m.cpuid) out.record(e);
  out.u8(m.syscall_in_user_mode ? 1 : 0);
  out.u8(m.mode_probed ? 1 : 0);
  out.u8(snap.ready_on_stdin ? 1 : 0);
}

bool decode_machine(ByteReader& in, MachineImage& m, bool& ready_on_stdin) {
  m.vcpu.regs = in.record<kvm_regs>();
  m.vcpu.sregs = in.record<kvm_sregs>();
  m.vcpu.xsave = in.record<Vcpu::XsaveArea>();
  m.vcpu.xcrs = in.record<kvm_xcrs>();
  m.vcpu.debugregs = in.record<kvm_debugregs>();
  m.vcpu.events = in.record<kvm_vcpu_events>();
  const uint64_t msrs = in.u64();
  if (!in.ok() || msrs > kMaxCount) return false;
  for (uint64_t i = 0; i < msrs && in.ok(); ++i) m.vcpu.msrs.push_back(in.record<kvm_msr_entry>());
  m.alloc.next = in.u64();
  m.alloc.in_use = in.u64();
  const uint64_t free = in.u64();
  if (!in.ok() || free > kMaxCount) return false;
  for (uint64_t i = 0; i < free && in.ok(); ++i) m.alloc.free.push_back(in.u64());
  const uint64_t low = in.u64(), top = in.u64(), high = in.u64();
  m.space.map = os::VmMap(low, top, high);
  const uint64_t regions = in.u64();
  if (!in.ok() || regions > kMaxCount) return false;
  for (uint64_t i = 0; i < regions && in.ok(); ++i) {
    const uint64_t start = in.u64(), end = in.u64();
    const uint8_t prot = in.u8();
    if (start >= end || start % kPageBytes || end % kPageBytes) return false;
    m.space.map.insert(start, end, prot);
  }
  m.space.brk_start = in.u64();
  m.space.brk = in.u64();
  m.space.user_pages = in.u64();
  m.memory_size = in.u64();
  m.page_table_root = in.u64();
  m.hwcap = in.u64();
  m.xcr0 = in.u64();
  const uint64_t leaves = in.u64();
  if (!in.ok() || leaves > kMaxCount) return false;
  for (uint64_t i = 0; i < leaves && in.ok(); ++i) m.cpuid.push_back(in.record<kvm_cpuid_entry2>());
  m.syscall_in_user_mode = in.u8() != 0;
  m.mode_probed = in.u8() != 0;
  ready_on_stdin = in.u8() != 0;
  if (!in.at_end()) return false;
  // The memory the rest of the image points into must exist.
  return m.memory_size > kReservedBytes && m.memory_size <= kMaxMemoryBytes &&
         m.memory_size % kPageBytes == 0 && m.page_table_root < m.memory_size &&
         m.alloc.next <= m.memory_size && m.alloc.next % kPageBytes == 0 &&
         std::ranges::all_of(m.alloc.free, [&](uint64_t p) { return p < m.memory_size; });
}

// ---- files ----

// Writes all of `len` bytes at `offset`; false with errno set on failure.
bool write_all(int fd, const void* data, size_t len, uint64_t offset) {
  const char* p = static_cast<const char*>(data);
  while (len > 0) {
    ssize_t n = ::pwrite(fd, p, len, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    p += n;
    len -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

bool read_all(int fd, void* data, size_t len, uint64_t offset) {
  char* p = static_cast<char*>(data);
  while (len > 0) {
    ssize_t n = ::pread(fd, p, len, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    len -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return true;
}

SnapshotFileError write_error() {
  return errno == ENOSPC || errno == EDQUOT ? SnapshotFileError::kNoSpace : SnapshotFileError::kIo;
}

// The populated extents of the memfd: [offset, offset + length) pairs, page aligned.
std::expected<std::vector<std::pair<uint64_t, uint64_t>>, SnapshotFileError> memory_extents(
    int fd, uint64_t size) {
  std::vector<std::pair<uint64_t, uint64_t>> out;
  uint64_t at = 0;
  while (at < size) {
    off_t data = ::lseek(fd, static_cast<off_t>(at), SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break;  // no data after `at`
      return std::unexpected(SnapshotFileError::kIo);
    }
    off_t hole = ::lseek(fd, data, SEEK_HOLE);
    if (hole < 0) return std::unexpected(SnapshotFileError::kIo);
    const uint64_t start = static_cast<uint64_t>(data) & ~(kPageBytes - 1);
    const uint64_t end = std::min<uint64_t>(os::page_ceil(static_cast<uint64_t>(hole)), size);
    if (!out.empty() && out.back().second >= start) {
      out.back().second = std::max(out.back().second, end);
    } else {
      out.emplace_back(start, end);
    }
    at = end;
  }
  return out;
}

// A temporary file in the target's directory, removed unless release()d after the rename.
class TempFile {
 public:
  explicit TempFile(const std::string& target) : path_(target + ".tmp-XXXXXX") {
    fd_ = UniqueFd(::mkostemp(path_.data(), O_CLOEXEC));
  }
  ~TempFile() {
    if (fd_ || !renamed_) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] const std::string& path() const { return path_; }
  void renamed() {
    renamed_ = true;
    fd_ = UniqueFd();
  }

 private:
  std::string path_;
  UniqueFd fd_;
  bool renamed_ = false;
};

}  // namespace

void Checksum64::update(const void* data, size_t len) {
  const auto* p = static_cast<const unsigned char*>(data);
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    state_ = mix(state_, w);
  }
  if (i < len) {
    uint64_t w = 0;
    std::memcpy(&w, p + i, len - i);
    state_ = mix(state_, w ^ (static_cast<uint64_t>(len - i) << 56));
  }
  length_ += len;
}

uint64_t Checksum64::value() const {
  uint64_t h = mix(state_, length_);
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

const char* describe(SnapshotFileError e) {
  switch (e) {
    case SnapshotFileError::kIo:
      return "the snapshot file cannot be read or written";
    case SnapshotFileError::kNoSpace:
      return "no space left to save the snapshot";
    case SnapshotFileError::kNotASnapshot:
      return "not a forkbox snapshot file";
    case SnapshotFileError::kOtherVersion:
      return "the snapshot was made by another forkbox version or format";
    case SnapshotFileError::kOtherCpu:
      return "the snapshot was made on a host with other CPU features";
    case SnapshotFileError::kOtherRecipe:
      return "the snapshot was warmed from another program, environment or file view";
    case SnapshotFileError::kTruncated:
      return "the snapshot file is truncated";
    case SnapshotFileError::kCorrupt:
      return "the snapshot file is corrupt (checksum mismatch)";
    case SnapshotFileError::kUnsupported:
      return "this snapshot cannot be saved (its stdio passes through to host fds)";
    case SnapshotFileError::kNoKvm:
      return "/dev/kvm is needed to check the snapshot's CPU";
  }
  return "unknown snapshot file error";
}

uint64_t cpu_fingerprint(const std::vector<kvm_cpuid_entry2>& cpuid, uint64_t xcr0) {
  Checksum64 sum;
  for (const kvm_cpuid_entry2& e : cpuid) {
    // Only the architectural fields: padding and KVM's bookkeeping are not CPU features. Nor
    // are the APIC IDs, which KVM_GET_SUPPORTED_CPUID reports for whichever host CPU the
    // calling thread runs on (leaf 1 EBX[31:24], leaves 0xB/0x1F EDX, leaf 0x8000001E).
    uint32_t fields[7] = {e.function, e.index, e.flags, e.eax, e.ebx, e.ecx, e.edx};
    if (e.function == 1) fields[4] &= 0x00ffffffu;
    if (e.function == 0xb || e.function == 0x1f) fields[6] = 0;
    if (e.function == 0x8000001eu) fields[3] = fields[4] = 0;
    sum.update(fields, sizeof fields);
  }
  sum.update(&xcr0, sizeof xcr0);
  return sum.value();
}

std::expected<uint64_t, KvmError> host_cpu_fingerprint() {
  auto kvm = Kvm::open();
  if (!kvm) return std::unexpected(kvm.error());
  auto supported = kvm->supported_cpuid();
  if (!supported) return std::unexpected(supported.error());
  const uint64_t xcr0 = guest_xcr0(*supported);
  return cpu_fingerprint(guest_cpuid(std::move(*supported), xcr0), xcr0);
}

std::expected<void, SnapshotFileError> save_snapshot(const Snapshot& snap, const std::string& path,
                                                     uint64_t tag) {
  // 1. The small sections in memory.
  ByteWriter machine;
  encode_machine(machine, snap);
  std::optional<std::string> personality = snap.personality.encode();
  if (!personality) return std::unexpected(SnapshotFileError::kUnsupported);
  std::string machine_bytes = machine.take();
  auto extents = memory_extents(snap.memfd.get(), snap.image.memory_size);
  if (!extents) return std::unexpected(extents.error());
  ByteWriter memory_head;
  memory_head.u64(snap.image.memory_size);
  memory_head.u64(extents->size());
  for (const auto& [start, end] : *extents) {
    memory_head.u64(start);
    memory_head.u64(end - start);
  }
  std::string memory_head_bytes = memory_head.take();

  // 2. A temporary file: header placeholder, table, sections; the header last.
  TempFile tmp(path);
  if (tmp.fd() < 0) return std::unexpected(write_error());
  std::vector<SectionEntry> table(kSectionCount);
  uint64_t at = kHeaderBytes + kSectionCount * kSectionEntryBytes;
  auto put_small = [&](size_t i, SectionKind kind, const std::string& bytes) {
    Checksum64 sum;
    sum.update(bytes.data(), bytes.size());
    table[i] = {static_cast<uint32_t>(kind), 0, at, bytes.size(), sum.value()};
    if (!write_all(tmp.fd(), bytes.data(), bytes.size(), at)) return false;
    at += bytes.size();
    return true;
  };
  if (!put_small(0, SectionKind::kMachine, machine_bytes) ||
      !put_small(1, SectionKind::kPersonality, *personality))
    return std::unexpected(write_error());
  // Memory: the extent list, then each extent's bytes, checksummed as one stream. Offsets stay
  // 8-byte aligned (the extent list is whole u64s and extents whole pages).
  {
    Checksum64 sum;
    const uint64_t start = at;
    sum.update(memory_head_bytes.data(), memory_head_bytes.size());
    if (!write_all(tmp.fd(), memory_head_bytes.data(), memory_head_bytes.size(), at))
      return std::unexpected(write_error());
    at += memory_head_bytes.size();
    std::vector<char> buf(kChunk);
    for (const auto& [begin, end] : *extents) {
      for (uint64_t off = begin; off < end; off += kChunk) {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, end - off));
        if (!read_all(snap.memfd.get(), buf.data(), n, off))
          return std::unexpected(SnapshotFileError::kIo);
        sum.update(buf.data(), n);
        if (!write_all(tmp.fd(), buf.data(), n, at)) return std::unexpected(write_error());
        at += n;
      }
    }
    table[2] = {static_cast<uint32_t>(SectionKind::kMemory), 0, start, at - start, sum.value()};
  }
  Header h{};
  h.magic = kMagic;
  h.version = kSnapshotFormatVersion;
  h.sections = static_cast<uint32_t>(kSectionCount);
  h.forkbox_version = version_field();
  h.cpu_fingerprint = cpu_fingerprint(snap.image.cpuid, snap.image.xcr0);
  h.file_size = at;
  h.tag = tag;
  h.checksum = header_checksum(h, table);
  if (!write_all(tmp.fd(), table.data(), table.size() * sizeof(SectionEntry), kHeaderBytes) ||
      !write_all(tmp.fd(), &h, sizeof h, 0))
    return std::unexpected(write_error());

  // 3. Durable, then visible under its name, then the name itself durable.
  if (::fsync(tmp.fd()) != 0) return std::unexpected(write_error());
  if (::rename(tmp.path().c_str(), path.c_str()) != 0) return std::unexpected(write_error());
  tmp.renamed();
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dir_fd || ::fsync(dir_fd.get()) != 0) return std::unexpected(SnapshotFileError::kIo);
  return {};
}

std::expected<std::shared_ptr<const Snapshot>, SnapshotFileError> load_snapshot(
    const std::string& path, uint64_t tag) {
  auto fingerprint = host_cpu_fingerprint();
  if (!fingerprint) return std::unexpected(SnapshotFileError::kNoKvm);
  return load_snapshot(path, tag, *fingerprint);
}

std::expected<std::shared_ptr<const Snapshot>, SnapshotFileError> load_snapshot(
    const std::string& path, uint64_t tag, uint64_t host_fingerprint) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::unexpected(SnapshotFileError::kIo);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return std::unexpected(SnapshotFileError::kIo);
  const uint64_t file_size = static_cast<uint64_t>(st.st_size);

  // 1. Header: magic, versions, size, checksum, CPU.
  Header h{};
  if (file_size < sizeof h) {
    if (file_size >= kMagic.size()) {
      std::array<char, 8> magic{};
      if (read_all(fd.get(), magic.data(), magic.size(), 0) && magic != kMagic)
        return std::unexpected(SnapshotFileError::kNotASnapshot);
    }
    return std::unexpected(SnapshotFileError::kTruncated);
  }
  if (!read_all(fd.get(), &h, sizeof h, 0)) return std::unexpected(SnapshotFileError::kIo);
  if (h.magic != kMagic) return std::unexpected(SnapshotFileError::kNotASnapshot);
  if (h.version != kSnapshotFormatVersion || h.forkbox_version != version_field())
    return std::unexpected(SnapshotFileError::kOtherVersion);
  if (h.sections != kSectionCount) return std::unexpected(SnapshotFileError::kCorrupt);
  if (file_size < h.file_size) return std::unexpected(SnapshotFileError::kTruncated);
  if (file_size != h.file_size) return std::unexpected(SnapshotFileError::kCorrupt);
  std::vector<SectionEntry> table(kSectionCount);
  if (file_size < kHeaderBytes + kSectionCount * kSectionEntryBytes ||
      !read_all(fd.get(), table.data(), table.size() * sizeof(SectionEntry), kHeaderBytes))
    return std::unexpected(SnapshotFileError::kTruncated);
  if (header_checksum(h, table) != h.checksum) return std::unexpected(SnapshotFileError::kCorrupt);
  if (h.tag != tag) return std::unexpected(SnapshotFileError::kOtherRecipe);
  if (h.cpu_fingerprint != host_fingerprint) return std::unexpected(SnapshotFileError::kOtherCpu);
  for (size_t i = 0; i < kSectionCount; ++i) {
    const SectionEntry& e = table[i];
    if (e.kind != i + 1 || e.offset > file_size || e.length > file_size - e.offset)
      return std::unexpected(SnapshotFileError::kCorrupt);
  }

  // 2. The small sections, each checked before it is decoded.
  auto read_small = [&](const SectionEntry& e) -> std::expected<std::string, SnapshotFileError> {
    if (e.length > kMaxSmallSection) return std::unexpected(SnapshotFileError::kCorrupt);
    std::string bytes(static_cast<size_t>(e.length), '\0');
    if (!read_all(fd.get(), bytes.data(), bytes.size(), e.offset))
      return std::unexpected(SnapshotFileError::kIo);
    Checksum64 sum;
    sum.update(bytes.data(), bytes.size());
    if (sum.value() != e.checksum) return std::unexpected(SnapshotFileError::kCorrupt);
    return bytes;
  };
  auto machine_bytes = read_small(table[0]);
  if (!machine_bytes) return std::unexpected(machine_bytes.error());
  auto personality_bytes = read_small(table[1]);
  if (!personality_bytes) return std::unexpected(personality_bytes.error());
  MachineImage image;
  bool ready_on_stdin = false;
  ByteReader machine_in(*machine_bytes);
  if (!decode_machine(machine_in, image, ready_on_stdin) ||
      cpu_fingerprint(image.cpuid, image.xcr0) != h.cpu_fingerprint)
    return std::unexpected(SnapshotFileError::kCorrupt);
  auto personality = os::Personality::decode(*personality_bytes);
  if (!personality) return std::unexpected(SnapshotFileError::kCorrupt);

  // 3. Memory: a new sparse memfd, filled extent by extent through a shared mapping, checked
  // as one stream, then sealed. The mapping goes before sealing (F_SEAL_WRITE needs that).
  const SectionEntry& mem = table[2];
  Checksum64 sum;
  uint64_t at = mem.offset;
  const uint64_t mem_end = mem.offset + mem.length;
  uint64_t head[2];
  if (mem.length < sizeof head || !read_all(fd.get(), head, sizeof head, at))
    return std::unexpected(SnapshotFileError::kCorrupt);
  sum.update(head, sizeof head);
  at += sizeof head;
  const uint64_t memory_size = head[0], extent_count = head[1];
  if (memory_size != image.memory_size || extent_count > kMaxCount ||
      extent_count * 16 > mem_end - at)
    return std::unexpected(SnapshotFileError::kCorrupt);
  std::vector<uint64_t> extents(static_cast<size_t>(extent_count * 2));
  if (!read_all(fd.get(), extents.data(), extents.size() * 8, at))
    return std::unexpected(SnapshotFileError::kIo);
  sum.update(extents.data(), extents.size() * 8);
  at += extents.size() * 8;
  UniqueFd memfd(::memfd_create("forkbox-snapshot", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!memfd || ::ftruncate(memfd.get(), static_cast<off_t>(memory_size)) != 0)
    return std::unexpected(SnapshotFileError::kIo);
  // A shared mapping of a memfd we just made; unmapped below before the seals go on.
  void* base = ::mmap(nullptr, memory_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
                      memfd.get(), 0);
  if (base == MAP_FAILED) return std::unexpected(SnapshotFileError::kIo);
  auto* bytes = static_cast<char*>(base);
  bool ok = true;
  bool io_failed = false;
  for (size_t i = 0; ok && i < extents.size(); i += 2) {
    const uint64_t start = extents[i], len = extents[i + 1];
    if (start % kPageBytes || len % kPageBytes || start > memory_size ||
        len > memory_size - start || len > mem_end - at) {
      ok = false;
      break;
    }
    if (!read_all(fd.get(), bytes + start, len, at)) {
      ok = false;
      io_failed = true;
      break;
    }
    sum.update(bytes + start, len);
    at += len;
  }
  ::munmap(base, memory_size);
  if (io_failed) return std::unexpected(SnapshotFileError::kIo);
  if (!ok || at != mem_end || sum.value() != mem.checksum)
    return std::unexpected(SnapshotFileError::kCorrupt);
  if (!seal_memfd(memfd.get())) return std::unexpected(SnapshotFileError::kIo);

  auto snap = std::make_shared<Snapshot>(
      Snapshot{std::move(image), std::move(memfd), std::move(*personality), ready_on_stdin, 0});
  return std::shared_ptr<const Snapshot>(std::move(snap));
}

}  // namespace forkbox::kvm
