// Snapshot files (kvm/snapshot_file.hpp): a saved snapshot loads and serves executions, and
// every kind of mismatch is a typed error, never a guessed load: another format or forkbox
// version, another CPU, another recipe, a flipped byte anywhere, a truncated file. A save that
// fails halfway (here: a file-size limit standing in for a full disk) leaves nothing loadable
// under the target's name. Skips without a usable /dev/kvm.
#include "kvm/snapshot_file.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "kvm/run.hpp"
#include "kvm/runtimes.hpp"
#include "skip_without_kvm.hpp"

namespace forkbox::kvm {
namespace {

namespace fs = std::filesystem;

RuntimeConfig lua_config() {
  RuntimeConfig c;
  c.name = "lua";
  c.engine = "kvm";
  c.pool_size = 1;
  c.memory_mb = 64;
  return c;
}

// One directory per test, removed afterwards.
class SnapshotFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (fs::temp_directory_path() / "forkbox-snapfile-XXXXXX").string();
    dir_ = ::mkdtemp(templ.data());
  }
  void TearDown() override { fs::remove_all(dir_); }

  // A snapshot of the Lua agent, saved once per test under `name`.
  std::string saved(const std::string& name = "lua.snap") {
    const std::string path = dir_ + "/" + name;
    std::string note;
    auto rt = make_runtime(lua_config(), path, &note);
    EXPECT_TRUE(rt.has_value()) << (rt ? "" : rt.error());
    EXPECT_NE(note.find("warmed and saved"), std::string::npos) << note;
    return path;
  }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  static void write(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
  }
  static uint64_t host() {
    auto fp = host_cpu_fingerprint();
    EXPECT_TRUE(fp.has_value());
    return fp.value_or(0);
  }
  // The tag make_runtime uses is internal; read it back from the header (offset 48).
  static uint64_t tag_of(const std::string& bytes) {
    uint64_t tag = 0;
    std::memcpy(&tag, bytes.data() + 48, sizeof tag);
    return tag;
  }

  std::string dir_;
};

TEST(CpuFingerprint, IgnoresApicIdsButNotFeatureBits) {
  std::vector<kvm_cpuid_entry2> cpuid(2);
  cpuid[0].function = 1;
  cpuid[0].ebx = 0x00020800;
  cpuid[0].ecx = 0x88202000;
  cpuid[1].function = 0xb;
  cpuid[1].index = 0;
  const uint64_t base = cpu_fingerprint(cpuid, 0xe7);
  auto other_cpu = cpuid;
  other_cpu[0].ebx |= 0x01000000;  // initial APIC ID 1: the same CPU model, another core
  other_cpu[1].edx = 1;            // x2APIC ID 1
  EXPECT_EQ(cpu_fingerprint(other_cpu, 0xe7), base);
  auto no_xsave = cpuid;
  no_xsave[0].ecx &= ~(1u << 27);  // OSXSAVE
  EXPECT_NE(cpu_fingerprint(no_xsave, 0xe7), base);
  EXPECT_NE(cpu_fingerprint(cpuid, 0x7), base);  // XCR0 without AVX-512 state
}

TEST_F(SnapshotFileTest, SavedSnapshotLoadsAndServesExecutions) {
  SKIP_WITHOUT_KVM();
  const std::string path = saved();
  struct stat before {};
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  std::string note;
  auto rt = make_runtime(lua_config(), path, &note);
  ASSERT_TRUE(rt.has_value()) << rt.error();
  EXPECT_EQ(note, "loaded the snapshot from " + path);
  struct stat after {};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino) << "loaded, so not saved again";
  for (int i = 0; i < 3; ++i) {
    ExecRequest req;
    req.code = "print(1 + 1, io.read('a'))";
    req.stdin_data = "in";
    auto r = (*rt)->exec(req);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->status, RunStatus::kExited) << r->message;
    EXPECT_EQ(r->stdout_data, "2\tin\n");
  }
  // Only the pages the warm-up touched are in the file, not the whole 64 MiB slot.
  EXPECT_LT(fs::file_size(path), 32u << 20);
}

TEST_F(SnapshotFileTest, SavedPythonSnapshotRunsNumpyAfterLoading) {
  SKIP_WITHOUT_KVM();
  if (std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0)
    GTEST_SKIP() << "python3 with numpy is not installed";
  RuntimeConfig c;
  c.name = "python";
  c.engine = "kvm";
  c.pool_size = 1;
  const std::string path = dir_ + "/python.snap";
  std::string note;
  ASSERT_TRUE(make_runtime(c, path, &note).has_value()) << note;
  auto rt = make_runtime(c, path, &note);
  ASSERT_TRUE(rt.has_value());
  EXPECT_EQ(note, "loaded the snapshot from " + path);
  ExecRequest req;
  req.code = "import numpy as np\nprint(np.ones((100,100)).sum())";
  auto r = (*rt)->exec(req);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stdout_data, "10000.0\n") << r->stderr_data << r->message;
}

TEST_F(SnapshotFileTest, OtherFormatVersionIsRefused) {
  SKIP_WITHOUT_KVM();
  const std::string path = saved();
  std::string bytes = read(path);
  const uint64_t tag = tag_of(bytes);
  bytes[kHeaderVersionOffset] = static_cast<char>(kSnapshotFormatVersion + 1);
  write(path, bytes);
  auto r = load_snapshot(path, tag, host());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), SnapshotFileError::kOtherVersion);
  // And another forkbox version (16 bytes at offset 16).
  bytes[kHeaderVersionOffset] = static_cast<char>(kSnapshotFormatVersion);
  bytes[16] = '9';
  write(path, bytes);
  r = load_snapshot(path, tag, host());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), SnapshotFileError::kOtherVersion);
}

TEST_F(SnapshotFileTest, OtherCpuFeaturesAreRefused) {
  SKIP_WITHOUT_KVM();
  const std::string path = saved();
  const uint64_t tag = tag_of(read(path));
  ASSERT_TRUE(load_snapshot(path, tag, host()).has_value());
  auto r = load_snapshot(path, tag, host() ^ 1);  // a host whose guest CPUID differs
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), SnapshotFileError::kOtherCpu);
}

TEST_F(SnapshotFileTest, OtherRecipeIsRefusedAndRewarmed) {
  SKIP_WITHOUT_KVM();
  const std::string path = saved();
  auto r = load_snapshot(path, tag_of(read(path)) + 1, host());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), SnapshotFileError::kOtherRecipe);
  RuntimeConfig other = lua_config();
  other.env["FB_OTHER"] = "1";
  std::string note;
  auto rt = make_runtime(other, path, &note);
  ASSERT_TRUE(rt.has_value());
  EXPECT_NE(note.find("another program"), std::string::npos) << note;
  EXPECT_NE(note.find("warmed and saved"), std::string::npos) << note;
}

TEST_F(SnapshotFileTest, CorruptionAnywhereIsDetected) {
  SKIP_WITHOUT_KVM();
  const std::string path = saved();
  const std::string good = read(path);
  const uint64_t tag = tag_of(good);
  // The header, the section table, the machine, the personality and two memory positions.
  uint64_t machine_offset = 0, personality_offset = 0, memory_offset = 0;
  std::memcpy(&machine_offset, good.data() + 64 + 8, 8);
  std::memcpy(&personality_offset, good.data() + 96 + 8, 8);
  std::memcpy(&memory_offset, good.data() + 128 + 8, 8);
  for (uint64_t at :
       {uint64_t{40}, uint64_t{64 + 24}, machine_offset + 100, personality_offset + 10,
        memory_offset + 20, static_cast<uint64_t>(good.size() - 4097)}) {
    std::string bad = good;
    bad[at] = static_cast<char>(bad[at] ^ 0x40);
    write(path, bad);
    auto r = load_snapshot(path, tag, host());
    ASSERT_FALSE(r.has_value()) << "flipped byte " << at;
    EXPECT_TRUE(r.error() == SnapshotFileError::kCorrupt ||
                r.error() == SnapshotFileError::kTruncated)
        << "byte " << at << ": " << describe(r.error());
  }
  write(path, std::string(good.size(), 'x'));
  EXPECT_EQ(load_snapshot(path, tag, host()).error(), SnapshotFileError::kNotASnapshot);
}

TEST_F(SnapshotFileTest, TruncatedFileIsDetected) {
  SKIP_WITHOUT_KVM();
  const std::string path = saved();
  const std::string good = read(path);
  const uint64_t tag = tag_of(good);
  for (size_t keep : {good.size() - 1, good.size() / 2, size_t{100}, size_t{10}}) {
    write(path, good.substr(0, keep));
    auto r = load_snapshot(path, tag, host());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), SnapshotFileError::kTruncated) << "kept " << keep;
  }
}

TEST_F(SnapshotFileTest, FailedSaveLeavesNothingLoadable) {
  SKIP_WITHOUT_KVM();
  const std::string path = saved();
  const uint64_t tag = tag_of(read(path));
  auto snap = load_snapshot(path, tag, host());
  ASSERT_TRUE(snap.has_value());
  // A disk that fills up halfway: the file-size limit makes the write fail with EFBIG.
  const std::string target = dir_ + "/full.snap";
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = {1u << 20, old.rlim_max};
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto saved_again = save_snapshot(**snap, target, tag);
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
  std::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(saved_again.has_value());
  EXPECT_FALSE(fs::exists(target));
  for (const auto& entry : fs::directory_iterator(dir_))
    EXPECT_EQ(entry.path().filename().string().find("full.snap"), std::string::npos)
        << "left behind: " << entry.path();
  // A save into a directory that does not exist fails cleanly too.
  auto nowhere = save_snapshot(**snap, dir_ + "/missing/x.snap", tag);
  ASSERT_FALSE(nowhere.has_value());
  EXPECT_EQ(nowhere.error(), SnapshotFileError::kIo);
}

}  // namespace
}  // namespace forkbox::kvm
