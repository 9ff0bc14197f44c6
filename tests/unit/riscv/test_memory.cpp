// riscv::Memory: lazy zero pages, first-write charging, permissions, limits and unmapping.
#include <gtest/gtest.h>

#include <cstring>

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

}  // namespace
