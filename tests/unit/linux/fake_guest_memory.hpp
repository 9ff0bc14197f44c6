// A GuestMemory for unit tests: one flat byte array at kBase, with protections and mmap
// placement tracked by the real VmMap. It enforces PROT_READ/PROT_WRITE like an engine does, so
// tests can check that the personality reports EFAULT instead of touching memory it may not.
#pragma once

#include <string>
#include <vector>

#include "linux/guest_memory.hpp"
#include "linux/vm_map.hpp"

namespace forkbox::os::testing {

class FakeGuestMemory final : public GuestMemory {
 public:
  static constexpr uint64_t kBase = 0x100000;
  static constexpr uint64_t kSize = 32ull << 20;
  // [kBase, kBase + kScratchSize) is mapped read-write from the start: the tests' "stack".
  static constexpr uint64_t kScratchSize = 1ull << 20;
  static constexpr uint64_t kBrkStart = kBase + kScratchSize;
  static constexpr uint64_t kBrkMax = kBrkStart + (4ull << 20);

  FakeGuestMemory();

  bool read(uint64_t guest_addr, void* dst, size_t len) override;
  bool write(uint64_t guest_addr, const void* src, size_t len) override;
  bool poke(uint64_t guest_addr, const void* src, size_t len) override;
  GuestResult map(uint64_t addr, uint64_t len, uint8_t prot, Placement placement) override;
  int unmap(uint64_t addr, uint64_t len) override;
  int protect(uint64_t addr, uint64_t len, uint8_t prot) override;
  GuestResult remap(uint64_t old_addr, uint64_t old_len, uint64_t new_len, bool may_move) override;
  int discard(uint64_t addr, uint64_t len) override;
  uint64_t set_brk(uint64_t requested) override;

  // Test conveniences (no permission checks).
  void put(uint64_t addr, const std::string& bytes);
  [[nodiscard]] std::string get(uint64_t addr, size_t len) const;
  [[nodiscard]] const VmMap& vm() const { return vm_; }

 private:
  [[nodiscard]] bool allowed(uint64_t addr, size_t len, uint8_t need) const;

  VmMap vm_;
  std::vector<uint8_t> bytes_;
  uint64_t brk_ = kBrkStart;
};

}  // namespace forkbox::os::testing
