// libFuzzer target: the kvm snapshot file loader (src/kvm/snapshot_file.cpp). Random bytes
// would almost never pass the header and section checksums, so this target *seals* each input
// into a well-formed file: the input is split into the machine section, the personality
// section and the memory section, and the header, section table and checksums are computed as
// save_snapshot writes them. The decoders behind the checksums (vCPU state, allocator and
// address-space records, the personality image, the memory extent list) then see hostile
// contents. Every fourth input is also written raw, unsealed, to cover the header checks.
//
// Input layout: u32 machine length, u32 personality length, then the three sections' bytes
// (the memory section takes the rest).
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "kvm/snapshot_file.hpp"
#include "linux/personality.hpp"

namespace {

using forkbox::kvm::Checksum64;

constexpr uint64_t kFingerprint = 0x0123456789abcdefull;
constexpr uint64_t kTag = 7;

void put64(std::vector<uint8_t>& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put32(std::vector<uint8_t>& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
uint64_t sum_of(const uint8_t* p, size_t n) {
  Checksum64 s;
  s.update(p, n);
  return s.value();
}

// The file save_snapshot would write for these section contents (format in snapshot_file.hpp).
std::vector<uint8_t> seal(const uint8_t* machine, size_t machine_len, const uint8_t* pers,
                          size_t pers_len, const uint8_t* mem, size_t mem_len) {
  const uint64_t table_at = forkbox::kvm::kHeaderBytes;
  const uint64_t data_at = table_at + 3 * 32;
  std::vector<uint8_t> table;
  uint64_t at = data_at;
  const uint8_t* parts[3] = {machine, pers, mem};
  const size_t lens[3] = {machine_len, pers_len, mem_len};
  for (uint32_t i = 0; i < 3; ++i) {
    put32(table, i + 1);
    put32(table, 0);
    put64(table, at);
    put64(table, lens[i]);
    put64(table, sum_of(parts[i], lens[i]));
    at += lens[i];
  }
  std::vector<uint8_t> header;
  const char magic[8] = {'F', 'B', 'X', 'S', 'N', 'A', 'P', '\0'};
  header.insert(header.end(), magic, magic + 8);
  put32(header, forkbox::kvm::kSnapshotFormatVersion);
  put32(header, 3);
  std::array<char, 16> version{};
  std::memcpy(version.data(), forkbox::kvm::kForkboxVersion.data(),
              forkbox::kvm::kForkboxVersion.size());
  header.insert(header.end(), version.begin(), version.end());
  put64(header, kFingerprint);
  put64(header, at);
  put64(header, kTag);
  Checksum64 hs;
  hs.update(header.data(), header.size());  // the header's first 56 bytes
  hs.update(table.data(), table.size());
  put64(header, hs.value());
  std::vector<uint8_t> file = header;
  file.insert(file.end(), table.begin(), table.end());
  for (int i = 0; i < 3; ++i) file.insert(file.end(), parts[i], parts[i] + lens[i]);
  return file;
}

void load_file(const std::vector<uint8_t>& file) {
  // A memfd named by /proc path: load_snapshot takes a path, and no disk is touched.
  int fd = ::memfd_create("fuzz-snapshot", MFD_CLOEXEC);
  if (fd < 0) return;
  if (::write(fd, file.data(), file.size()) == static_cast<ssize_t>(file.size())) {
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    auto loaded = forkbox::kvm::load_snapshot(path, kTag, kFingerprint);
    (void)loaded;  // a refusal is a typed error; only crashes and sanitizer reports are findings
  }
  ::close(fd);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8) return 0;
  uint32_t machine_len = 0, pers_len = 0;
  std::memcpy(&machine_len, data, 4);
  std::memcpy(&pers_len, data + 4, 4);
  const uint8_t* rest = data + 8;
  size_t left = size - 8;
  machine_len = static_cast<uint32_t>(machine_len % (left + 1));
  left -= machine_len;
  pers_len = static_cast<uint32_t>(pers_len % (left + 1));
  left -= pers_len;
  load_file(seal(rest, machine_len, rest + machine_len, pers_len, rest + machine_len + pers_len,
                 left));
  // The personality decoder on its own too (it is also what a kvm fork copies).
  auto p = forkbox::os::Personality::decode(
      std::string(reinterpret_cast<const char*>(rest + machine_len), pers_len));
  (void)p;
  if (data[0] % 4 == 0) load_file(std::vector<uint8_t>(data, data + size));
  return 0;
}
