// VmMap: region bookkeeping for the mmap family, shared by both engines.
#include <gtest/gtest.h>

#include "linux/vm_map.hpp"

using namespace forkbox::os;

namespace {

constexpr uint64_t P = kPageSize;

VmMap make_map() { return VmMap(0x10000, 0x100000000, 0x200000000); }

TEST(VmMap, HintPlacementGoesTopDownBelowMmapTop) {
  VmMap vm = make_map();
  auto a = vm.place(0, 4 * P, Placement::kHint);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, 0x100000000 - 4 * P);
  vm.insert(*a, *a + 4 * P, kProtRead);
  auto b = vm.place(0, P, Placement::kHint);
  ASSERT_TRUE(b);
  EXPECT_EQ(*b, *a - P);
}

TEST(VmMap, FixedNoReplaceRefusesOverlap) {
  VmMap vm = make_map();
  vm.insert(0x400000, 0x400000 + 2 * P, kProtRead);
  auto r = vm.place(0x400000 + P, P, Placement::kFixedNoReplace);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), -EEXIST);
  EXPECT_TRUE(vm.place(0x400000 + P, P, Placement::kFixed));
}

TEST(VmMap, UnmapInTheMiddleSplitsTheRegion) {
  VmMap vm = make_map();
  vm.insert(0x400000, 0x400000 + 3 * P, kProtRead | kProtWrite);
  vm.remove(0x400000 + P, 0x400000 + 2 * P);
  EXPECT_NE(vm.find(0x400000), nullptr);
  EXPECT_EQ(vm.find(0x400000 + P), nullptr);
  EXPECT_NE(vm.find(0x400000 + 2 * P), nullptr);
  EXPECT_EQ(vm.regions().size(), 2u);
}

TEST(VmMap, ProtectSplitsAndCoalescesBack) {
  VmMap vm = make_map();
  vm.insert(0x400000, 0x400000 + 3 * P, kProtRead);
  ASSERT_EQ(vm.protect(0x400000 + P, 0x400000 + 2 * P, kProtRead | kProtWrite), 0);
  EXPECT_EQ(vm.regions().size(), 3u);
  EXPECT_EQ(vm.find(0x400000 + P)->prot, kProtRead | kProtWrite);
  ASSERT_EQ(vm.protect(0x400000 + P, 0x400000 + 2 * P, kProtRead), 0);
  EXPECT_EQ(vm.regions().size(), 1u);
}

TEST(VmMap, ProtectOfAHoleFailsWithEnomem) {
  VmMap vm = make_map();
  vm.insert(0x400000, 0x400000 + P, kProtRead);
  EXPECT_EQ(vm.protect(0x400000, 0x400000 + 2 * P, kProtRead), -ENOMEM);
}

TEST(VmMap, PlacementOutsideTheAddressSpaceFails) {
  VmMap vm = make_map();
  EXPECT_FALSE(vm.place(0x200000000 - P, 2 * P, Placement::kFixed));
  EXPECT_FALSE(vm.place(0, 0x300000000, Placement::kHint));
  EXPECT_FALSE(vm.place(0x1000, P, Placement::kFixed));  // below mmap_min_addr
}

}  // namespace
