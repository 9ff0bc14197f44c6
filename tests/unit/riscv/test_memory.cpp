// riscv::Memory: lazy zero pages, first-write charging, permissions, limits and unmapping.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <thread>

#include "riscv/memory.hpp"

using namespace forkbox;
using riscv::Memory;
using riscv::MemoryFault;

namespace {

constexpr uint64_t P = os::kPageSize;

TEST(RiscvMemory, UntouchedMappingReadsZeroWithoutChargingPages) {
  Memory m(1ull << 30);
  auto a = m.map(0, 1ull << 30, os::kProtRead | os::kProtWrite, os::Placement::kHint);
  ASSERT_TRUE(a);
  uint64_t v = 1;
  for (uint64_t off = 0; off < (1ull << 30); off += 1ull << 24) {
    ASSERT_TRUE(m.load<uint64_t>(*a + off, v));
    EXPECT_EQ(v, 0u);
  }
  EXPECT_EQ(m.pages_owned(), 0u);
}

TEST(RiscvMemory, FirstWriteMaterializesAndReadsBack) {
  Memory m(1ull << 30);
  auto a = m.map(0, 4 * P, os::kProtRead | os::kProtWrite, os::Placement::kHint);
  ASSERT_TRUE(a);
  uint64_t zero = 0;
  ASSERT_TRUE(m.load<uint64_t>(*a + 8, zero));  // caches the zero page in the read TLB
  ASSERT_TRUE(m.store<uint64_t>(*a + 8, 0x1122334455667788ull));
  uint64_t v = 0;
  ASSERT_TRUE(m.load<uint64_t>(*a + 8, v));
  EXPECT_EQ(v, 0x1122334455667788ull);
  EXPECT_EQ(m.pages_owned(), 1u);
}

TEST(RiscvMemory, AccessAcrossAPageBoundary) {
  Memory m(1ull << 30);
  auto a = m.map(0, 2 * P, os::kProtRead | os::kProtWrite, os::Placement::kHint);
  ASSERT_TRUE(a);
  ASSERT_TRUE(m.store<uint64_t>(*a + P - 4, 0xa1a2a3a4b1b2b3b4ull));
  uint64_t v = 0;
  ASSERT_TRUE(m.load<uint64_t>(*a + P - 4, v));
  EXPECT_EQ(v, 0xa1a2a3a4b1b2b3b4ull);
  EXPECT_EQ(m.pages_owned(), 2u);
}

TEST(RiscvMemory, WriteToReadOnlyIsAProtectionFault) {
  Memory m(1ull << 30);
  auto a = m.map(0, P, os::kProtRead, os::Placement::kHint);
  ASSERT_TRUE(a);
  EXPECT_FALSE(m.store<uint32_t>(*a, 1));
  EXPECT_EQ(m.last_fault().fault, MemoryFault::kProtection);
  EXPECT_EQ(m.last_fault().addr, *a);
  uint8_t b = 9;
  EXPECT_TRUE(m.poke(*a, &b, 1));  // the loader may fill read-only pages
  uint8_t r = 0;
  ASSERT_TRUE(m.load<uint8_t>(*a, r));
  EXPECT_EQ(r, 9);
}

TEST(RiscvMemory, UnmappedAndOutOfRangeAddressesFault) {
  Memory m(1ull << 30);
  uint32_t v;
  EXPECT_FALSE(m.load<uint32_t>(0x5000, v));
  EXPECT_EQ(m.last_fault().fault, MemoryFault::kUnmapped);
  EXPECT_FALSE(m.load<uint32_t>(~0ull - 2, v));
  EXPECT_FALSE(m.read(~0ull - 16, &v, 64));
}

TEST(RiscvMemory, MemoryLimitStopsMaterialization) {
  Memory m(4 * P);
  auto a = m.map(0, 16 * P, os::kProtRead | os::kProtWrite, os::Placement::kHint);
  ASSERT_TRUE(a);
  for (uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(m.store<uint8_t>(*a + i * P, 1));
  EXPECT_FALSE(m.store<uint8_t>(*a + 4 * P, 1));
  EXPECT_EQ(m.last_fault().fault, MemoryFault::kMemoryLimit);
}

TEST(RiscvMemory, UnmapFreesPagesAndFaultsAfterwards) {
  Memory m(1ull << 30);
  auto a = m.map(0, 2 * P, os::kProtRead | os::kProtWrite, os::Placement::kHint);
  ASSERT_TRUE(a);
  ASSERT_TRUE(m.store<uint8_t>(*a, 1));
  ASSERT_EQ(m.unmap(*a, 2 * P), 0);
  EXPECT_EQ(m.pages_owned(), 0u);
  uint8_t v;
  EXPECT_FALSE(m.load<uint8_t>(*a, v));  // the TLB must not keep the stale page
}

}  // namespace

namespace forkbox::riscv {
struct MemoryTestAccess {
  static uint64_t& salt(Memory& m) { return m.tlb_->salt; }
  static void flush(Memory& m) { m.flush_tlb(); }
  static constexpr uint64_t kSaltStep = Memory::kSaltStep;
};
}  // namespace forkbox::riscv

namespace {
using riscv::MemoryTestAccess;

// A TLB entry left untouched while the salt goes all the way round (2^37 flushes) must not
// match again: here it would point at a page unmapped and freed in between.
TEST(RiscvMemory, TlbEntriesDoNotComeBackWhenTheSaltWraps) {
  Memory m(1ull << 30);
  auto a = m.map(0, 2 * P, os::kProtRead | os::kProtWrite, os::Placement::kHint);
  ASSERT_TRUE(a);
  ASSERT_TRUE(m.store<uint64_t>(*a, 42));  // fills read and write entries for the page
  uint64_t v = 0;
  ASSERT_TRUE(m.load<uint64_t>(*a, v));
  const uint64_t generation = MemoryTestAccess::salt(m);
  // Skip ahead to the last salt before the wrap (what 2^37 - n - 1 flushes that never touched
  // this TLB slot would leave), then free the page: that flush wraps the salt.
  MemoryTestAccess::salt(m) = 0 - MemoryTestAccess::kSaltStep;
  ASSERT_EQ(m.unmap(*a, P), 0);
  int flushes = 0;
  while (MemoryTestAccess::salt(m) != generation && flushes < 1000) {
    MemoryTestAccess::flush(m);
    ++flushes;
  }
  ASSERT_EQ(MemoryTestAccess::salt(m), generation);  // the entry's own generation again
  EXPECT_FALSE(m.load<uint64_t>(*a, v));
  EXPECT_EQ(m.last_fault().fault, MemoryFault::kUnmapped);
  EXPECT_FALSE(m.store<uint64_t>(*a, 7));
  EXPECT_EQ(m.last_fault().fault, MemoryFault::kUnmapped);
}

// A Memory made on one thread and destroyed on another: its pages and TLB block go to the
// destroying thread's pools, which must be drained when that thread exits (under
// scripts/test-sanitize, LeakSanitizer reports pooled blocks left behind).
TEST(RiscvMemory, DestroyedOnAnotherThreadLeavesNothingBehindThere) {
  for (int round = 0; round < 3; ++round) {
    auto m = std::make_unique<Memory>(1ull << 30);
    auto a = m->map(0, 4 * P, os::kProtRead | os::kProtWrite, os::Placement::kHint);
    ASSERT_TRUE(a);
    for (uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(m->store<uint64_t>(*a + i * P, i + 1));
    EXPECT_EQ(m->pages_owned(), 4u);
    std::thread worker([m = std::move(m)]() mutable { m.reset(); });
    worker.join();
  }
  Memory fresh(1ull << 30);  // this thread's pools still work
  auto a = fresh.map(0, P, os::kProtRead | os::kProtWrite, os::Placement::kHint);
  ASSERT_TRUE(a);
  uint64_t v = 1;
  ASSERT_TRUE(fresh.load<uint64_t>(*a, v));
  EXPECT_EQ(v, 0u);
}

TEST(RiscvMemory, DiscardZeroesPages) {
  Memory m(1ull << 30);
  auto a = m.map(0, P, os::kProtRead | os::kProtWrite, os::Placement::kHint);
  ASSERT_TRUE(a);
  ASSERT_TRUE(m.store<uint64_t>(*a, 42));
  ASSERT_EQ(m.discard(*a, P), 0);
  uint64_t v = 1;
  ASSERT_TRUE(m.load<uint64_t>(*a, v));
  EXPECT_EQ(v, 0u);
}

TEST(RiscvMemory, RemapGrowsAndMovesKeepingContents) {
  Memory m(1ull << 30);
  auto a = m.map(0, P, os::kProtRead | os::kProtWrite, os::Placement::kHint);
  ASSERT_TRUE(a);
  ASSERT_TRUE(m.store<uint64_t>(*a, 77));
  // Block growth in place so that the mapping has to move.
  ASSERT_TRUE(m.map(*a + P, P, os::kProtRead, os::Placement::kFixed));
  auto b = m.remap(*a, P, 8 * P, true);
  ASSERT_TRUE(b);
  EXPECT_NE(*b, *a);
  uint64_t v = 0;
  ASSERT_TRUE(m.load<uint64_t>(*b, v));
  EXPECT_EQ(v, 77u);
  EXPECT_FALSE(m.load<uint64_t>(*a, v));
}

TEST(RiscvMemory, BrkGrowsWithinItsLimitAndRefusesBeyond) {
  Memory m(1ull << 30);
  m.set_brk_start(0x20000);
  EXPECT_EQ(m.set_brk(0x20000 + 3 * P), 0x20000 + 3 * P);
  ASSERT_TRUE(m.store<uint8_t>(0x20000 + 2 * P, 5));
  EXPECT_EQ(m.set_brk(0x20000 + (4ull << 30)), 0x20000 + 3 * P);  // too far: unchanged
  EXPECT_EQ(m.set_brk(0x10000), 0x20000 + 3 * P);                 // below start: unchanged
}

// A fork's reset keeps the pages it wrote, restored in place (Memory::kept_). These pin what
// keeping must never change: what the guest reads, what a request is charged, and what
// unmapping and discarding do.
struct PooledFork {
  Memory base{1ull << 30};
  uint64_t a = 0;
  PooledFork() {
    auto m = base.map(0, 64 * P, os::kProtRead | os::kProtWrite, os::Placement::kHint);
    EXPECT_TRUE(m);
    a = *m;
    for (uint64_t i = 0; i < 4; ++i) EXPECT_TRUE(base.store<uint64_t>(a + i * P + 8, 100 + i));
  }
};

TEST(RiscvMemoryReset, KeptPagesReadAsTheBaseAfterEveryReset) {
  PooledFork f;
  Memory fork(f.base, 1ull << 30);
  for (uint64_t round = 0; round < 5; ++round) {
    // Pages 0-3 have base content, 4-7 were never written in the base.
    for (uint64_t i = 0; i < 8; ++i) {
      uint64_t v = 1;
      ASSERT_TRUE(fork.load<uint64_t>(f.a + i * P + 8, v));
      EXPECT_EQ(v, i < 4 ? 100 + i : 0u) << "round " << round << " page " << i;
      if ((i + round) % 2 == 0) {
        ASSERT_TRUE(fork.store<uint64_t>(f.a + i * P + 8, 7000 + round));
      }
    }
    uint64_t v = 0;
    ASSERT_TRUE(fork.load<uint64_t>(f.a + 8, v));  // page 0: written in even rounds
    EXPECT_EQ(v, round % 2 == 0 ? 7000 + round : 100u);
    EXPECT_EQ(fork.pages_touched(), 4u);
    fork.reset_to_base();
    EXPECT_EQ(fork.pages_owned(), 0u);
  }
  uint64_t v = 0;  // and the base never saw any of it
  ASSERT_TRUE(f.base.load<uint64_t>(f.a + 8, v));
  EXPECT_EQ(v, 100u);
}

TEST(RiscvMemoryReset, KeptPagesAreNotChargedToTheNextRequest) {
  PooledFork f;
  Memory fork(f.base, 4 * P);  // four pages per request
  for (uint64_t i = 0; i < 4; ++i) ASSERT_TRUE(fork.store<uint8_t>(f.a + i * P, 1));
  EXPECT_FALSE(fork.store<uint8_t>(f.a + 4 * P, 1));
  EXPECT_EQ(fork.last_fault().fault, MemoryFault::kMemoryLimit);
  fork.reset_to_base();
  // Four other pages fit again; a fifth, even a kept one, does not.
  for (uint64_t i = 4; i < 8; ++i) ASSERT_TRUE(fork.store<uint8_t>(f.a + i * P, 1));
  EXPECT_FALSE(fork.store<uint8_t>(f.a, 1));
  EXPECT_EQ(fork.last_fault().fault, MemoryFault::kMemoryLimit);
  EXPECT_EQ(fork.pages_owned(), 4u);
}

TEST(RiscvMemoryReset, UnmapAndDiscardAfterAResetSeeNoKeptPage) {
  PooledFork f;
  Memory fork(f.base, 1ull << 30);
  ASSERT_TRUE(fork.store<uint64_t>(f.a + 8, 1));
  ASSERT_TRUE(fork.store<uint64_t>(f.a + P + 8, 1));
  fork.reset_to_base();
  uint64_t v = 0;
  ASSERT_TRUE(fork.load<uint64_t>(f.a + 8, v));  // read entry on the kept page
  EXPECT_EQ(v, 100u);
  ASSERT_EQ(fork.discard(f.a, P), 0);
  ASSERT_TRUE(fork.load<uint64_t>(f.a + 8, v));
  EXPECT_EQ(v, 0u);  // discarded private memory reads as zeros, as on Linux
  ASSERT_EQ(fork.unmap(f.a + P, P), 0);
  EXPECT_FALSE(fork.load<uint64_t>(f.a + P + 8, v));
  fork.reset_to_base();  // both undone: the base's map and bytes again
  ASSERT_TRUE(fork.load<uint64_t>(f.a + 8, v));
  EXPECT_EQ(v, 100u);
  ASSERT_TRUE(fork.load<uint64_t>(f.a + P + 8, v));
  EXPECT_EQ(v, 101u);
}

TEST(RiscvMemoryReset, KeptPagesCountAsOverheadAndStayBounded) {
  PooledFork f;
  Memory fork(f.base, 1ull << 30);
  const size_t empty = fork.overhead_bytes();
  for (uint64_t i = 0; i < 40; ++i) ASSERT_TRUE(fork.store<uint8_t>(f.a + i * P, 1));
  fork.reset_to_base();
  // At most kKeptPagesMax pages stay, and they are reported (plus the maps' slots).
  const size_t kept = fork.overhead_bytes();
  EXPECT_GE(kept, empty + Memory::kKeptPagesMax * P);
  EXPECT_LE(kept, empty + Memory::kKeptPagesMax * P + 4096);
  for (uint64_t i = 0; i < 40; ++i) {
    uint8_t v = 9;
    ASSERT_TRUE(fork.load<uint8_t>(f.a + i * P, v));
    EXPECT_EQ(v, 0u);
  }
  // A request that changes the address space leaves nothing kept.
  ASSERT_TRUE(fork.map(0, P, os::kProtRead | os::kProtWrite, os::Placement::kHint));
  fork.reset_to_base();
  EXPECT_LT(fork.overhead_bytes(), empty + 4096);
}

}  // namespace
