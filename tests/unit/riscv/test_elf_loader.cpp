// The ELF loader against malformed and hostile files: every one must be rejected with its
// typed error, never crash or map anything unbounded. Mutations start from a real static
// riscv64 program built by the cross toolchain.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "elf/elf_image.hpp"
#include "elf/loader.hpp"
#include "riscv/memory.hpp"

using namespace forkbox;
using elf::LoadError;

namespace {

std::vector<uint8_t> read_guest(const char* name) {
  std::ifstream f(std::string(FORKBOX_TEST_GUESTS) + "/" + name, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

elf::LoadOptions options() {
  elf::LoadOptions o;
  o.arch = os::Arch::kRiscv64;
  o.argv = {"prog"};
  o.stack_top = riscv::Layout::kStackTop;
  o.pie_base = riscv::Layout::kPieBase;
  return o;
}

std::expected<elf::LoadedProgram, LoadError> load(const std::vector<uint8_t>& bytes) {
  riscv::Memory mem(1ull << 30);
  return elf::load_program_image(bytes, options(), mem);
}

template <typename T>
void put(std::vector<uint8_t>& b, size_t off, T v) {
  std::memcpy(b.data() + off, &v, sizeof(T));
}
template <typename T>
T get(const std::vector<uint8_t>& b, size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}
// Offset of the first PT_LOAD program header.
size_t first_load(const std::vector<uint8_t>& b) {
  uint64_t phoff = get<uint64_t>(b, 32);
  for (size_t i = 0;; ++i)
    if (get<uint32_t>(b, phoff + i * 56) == elf::kPtLoad) return phoff + i * 56;
}

class ElfLoader : public ::testing::Test {
 protected:
  void SetUp() override {
    good_ = read_guest("exit_code");
    ASSERT_GT(good_.size(), 1000u) << "guest program missing: build riscv_unit_guests";
  }
  std::vector<uint8_t> good_;
};

TEST_F(ElfLoader, LoadsAValidStaticProgram) {
  auto r = load(good_);
  ASSERT_TRUE(r) << elf::describe(r.error());
  EXPECT_FALSE(r->dynamic);
  EXPECT_EQ(r->stack_pointer % 16, 0u);
}

TEST_F(ElfLoader, RejectsEmptyAndNonElf) {
  EXPECT_EQ(load({}).error(), LoadError::kNotElf);
  std::vector<uint8_t> text(200, 'A');
  EXPECT_EQ(load(text).error(), LoadError::kNotElf);
}

TEST_F(ElfLoader, RejectsTruncatedFiles) {
  for (size_t len : {size_t{10}, size_t{63}, size_t{200}, good_.size() / 2}) {
    std::vector<uint8_t> cut(good_.begin(), good_.begin() + static_cast<long>(len));
    auto r = load(cut);
    ASSERT_FALSE(r) << "length " << len;
    EXPECT_EQ(r.error(), LoadError::kTruncated) << "length " << len;
  }
}

TEST_F(ElfLoader, RejectsWrongClassAndMachine) {
  auto b = good_;
  b[4] = 1;  // ELFCLASS32
  EXPECT_EQ(load(b).error(), LoadError::kWrongClass);
  b = good_;
  put<uint16_t>(b, 18, elf::kMachineX86_64);
  EXPECT_EQ(load(b).error(), LoadError::kWrongMachine);
  b = good_;
  put<uint16_t>(b, 16, 1);  // ET_REL
  EXPECT_EQ(load(b).error(), LoadError::kNotExecutable);
}

TEST_F(ElfLoader, RejectsMalformedProgramHeaders) {
  auto b = good_;
  put<uint16_t>(b, 54, 32);  // wrong e_phentsize
  EXPECT_EQ(load(b).error(), LoadError::kBadProgramHeaders);
  b = good_;
  put<uint16_t>(b, 56, 0xffff);  // absurd e_phnum
  EXPECT_EQ(load(b).error(), LoadError::kBadProgramHeaders);
  b = good_;
  put<uint64_t>(b, 32, ~0ull - 8);  // e_phoff past the end
  EXPECT_EQ(load(b).error(), LoadError::kTruncated);
}

TEST_F(ElfLoader, RejectsSegmentsPastTheFile) {
  auto b = good_;
  size_t ph = first_load(b);
  put<uint64_t>(b, ph + 32, b.size() * 4);  // p_filesz
  put<uint64_t>(b, ph + 40, b.size() * 4);  // p_memsz
  EXPECT_EQ(load(b).error(), LoadError::kTruncated);
}

TEST_F(ElfLoader, RejectsHugeSegments) {
  auto b = good_;
  size_t ph = first_load(b);
  put<uint64_t>(b, ph + 40, 1ull << 40);  // p_memsz of 1 TiB
  EXPECT_EQ(load(b).error(), LoadError::kBadSegment);
}

TEST_F(ElfLoader, RejectsOverlappingSegments) {
  auto b = good_;
  uint64_t phoff = get<uint64_t>(b, 32);
  uint16_t phnum = get<uint16_t>(b, 56);
  std::vector<size_t> loads;
  for (size_t i = 0; i < phnum; ++i)
    if (get<uint32_t>(b, phoff + i * 56) == elf::kPtLoad) loads.push_back(phoff + i * 56);
  ASSERT_GE(loads.size(), 2u);
  // Move the second segment's address into the first one (keeping page congruence).
  uint64_t v0 = get<uint64_t>(b, loads[0] + 16);
  uint64_t off1 = get<uint64_t>(b, loads[1] + 8);
  put<uint64_t>(b, loads[1] + 16, (v0 & ~4095ull) + (off1 & 4095));
  EXPECT_EQ(load(b).error(), LoadError::kBadSegment);
}

TEST_F(ElfLoader, RejectsMisalignedSegmentOffsets) {
  auto b = good_;
  size_t ph = first_load(b);
  put<uint64_t>(b, ph + 16, get<uint64_t>(b, ph + 16) + 3);
  EXPECT_EQ(load(b).error(), LoadError::kBadSegment);
}

TEST_F(ElfLoader, RejectsUnterminatedOrMissingInterpreter) {
  // Turn the first non-load header into PT_INTERP pointing at non-terminated bytes.
  auto b = good_;
  uint64_t phoff = get<uint64_t>(b, 32);
  uint16_t phnum = get<uint16_t>(b, 56);
  size_t ph = 0;
  for (size_t i = 0; i < phnum; ++i)
    if (get<uint32_t>(b, phoff + i * 56) != elf::kPtLoad) ph = phoff + i * 56;
  ASSERT_NE(ph, 0u);
  put<uint32_t>(b, ph, elf::kPtInterp);
  put<uint64_t>(b, ph + 8, 0);   // p_offset: the ELF header (no NUL at its end)
  put<uint64_t>(b, ph + 32, 7);  // p_filesz
  EXPECT_EQ(load(b).error(), LoadError::kBadInterpreter);
  put<uint64_t>(b, ph + 8, 64 * 1024);  // bytes that happen to end in NUL, or not: any path
  put<uint64_t>(b, ph + 32, 16);
  auto r = load(b);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), LoadError::kBadInterpreter);
}

TEST_F(ElfLoader, NoSingleByteCorruptionOfTheHeadersCrashesTheLoader) {
  // A cheap sweep beside the fuzzer: a crash (or a sanitizer report) fails this test.
  for (size_t i = 0; i < 512 && i < good_.size(); ++i) {
    auto b = good_;
    b[i] ^= 0xff;
    (void)load(b);
  }
  SUCCEED();
}

TEST_F(ElfLoader, HugeArgumentListsDoNotFitTheStack) {
  riscv::Memory mem(1ull << 30);
  auto o = options();
  o.argv.assign(5000, std::string(1000, 'x'));  // 5 MB of arguments, above the 2 MiB cap
  auto r = elf::load_program_image(good_, o, mem);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), LoadError::kStackTooLarge);
}

}  // namespace
