// The fresh style's fork preparation (kvm::FreshForks, Machine::prewarm): forks prepared ahead
// are handed out once and only for the current snapshot, a prewarmed fork runs its execution
// without the hypervisor's shadow page faults and prints exactly what a plain fork prints, used
// machines are destroyed by the background thread, and a fresh runtime whose requests mostly
// land on prepared VMs still gives every execution a pristine machine (and poison-free after a
// crash). Skips without a usable /dev/kvm.
#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>

#include "kvm/exec_channel.hpp"
#include "kvm/guest_loop.hpp"
#include "kvm/kernel_layout.hpp"
#include "kvm/machine.hpp"
#include "kvm/run.hpp"
#include "kvm/snapshot.hpp"
#include "sandbox/factory.hpp"
#include "skip_without_kvm.hpp"

namespace forkbox::kvm {
namespace {

constexpr uint64_t kMaxPages = (256ull << 20) / kPageBytes;

// A Python agent snapshot whose environment carries `tag`, so forks of two snapshots can be
// told apart by what they print.
std::shared_ptr<const Snapshot> warm(const std::string& tag) {
  WarmRequest w;
  w.program = "/usr/bin/python3";
  const std::string agent = bundled_path("guest/agents/python_agent.py");
  w.argv = {"python3", "-I", agent};
  w.envp = {"HOME=/tmp", "LANG=C.UTF-8", "OPENBLAS_NUM_THREADS=1", "OMP_NUM_THREADS=1",
            "PATH=/usr/bin:/bin", "FB_TAG=" + tag};
  w.allow_read = {agent.substr(0, agent.rfind('/'))};
  w.memory_bytes = 256ull << 20;
  auto snap = warm_snapshot(w);
  EXPECT_TRUE(snap.has_value()) << (snap ? "" : snap.error());
  return snap ? *snap : nullptr;
}

struct Ran {
  LoopEnd end;
  std::string out;
};

Ran execute(Machine& m, const Snapshot& snap, const std::string& code) {
  auto blob = encode_request("<string>", code, {});
  EXPECT_TRUE(blob.has_value());
  os::Personality personality = snap.personality;
  CodeChannel channel;
  channel.data = blob ? *blob : std::string();
  Ran r;
  {
    Deadline deadline(m.run_page(), 10'000);
    r.end = serve_guest(m, personality, deadline, channel, true);
  }
  r.out = personality.captured_stdout() + personality.captured_stderr();
  return r;
}

constexpr const char* kProgram = "import os\nprint(os.environ['FB_TAG'], sum(range(10)))";

TEST(KvmFreshForks, PrewarmedForkRunsWithoutShadowFaultsAndPrintsWhatAPlainForkPrints) {
  SKIP_WITHOUT_KVM();
  auto snap = warm("a");
  ASSERT_TRUE(snap);
  if (!snap->image.syscall_in_user_mode) GTEST_SKIP() << "prewarm needs user-mode syscalls";
  // Learn the touched pages from one execution.
  auto trial = Machine::create_fork(snap->image, snap->memfd.get(), false, kMaxPages);
  ASSERT_TRUE(trial.has_value());
  (*trial)->track_accesses();
  Ran first = execute(**trial, *snap, kProgram);
  ASSERT_EQ(first.end.status, RunStatus::kExited) << first.end.message;
  const TouchList touched = (*trial)->touched_pages();
  EXPECT_GT(touched.pages.size(), 50u);

  auto plain = Machine::create_fork(snap->image, snap->memfd.get(), false, kMaxPages);
  ASSERT_TRUE(plain.has_value());
  const auto plain_before = (*plain)->kvm_counters();
  Ran a = execute(**plain, *snap, kProgram);
  const auto plain_after = (*plain)->kvm_counters();

  auto warmed = Machine::create_fork(snap->image, snap->memfd.get(), false, kMaxPages);
  ASSERT_TRUE(warmed.has_value());
  auto touched_now = (*warmed)->prewarm(touched, snap->image);
  ASSERT_TRUE(touched_now.has_value());
  EXPECT_GT(*touched_now, 50u);
  const auto warmed_before = (*warmed)->kvm_counters();
  Ran b = execute(**warmed, *snap, kProgram);
  const auto warmed_after = (*warmed)->kvm_counters();

  EXPECT_EQ(a.end.status, RunStatus::kExited);
  EXPECT_EQ(b.end.status, RunStatus::kExited);
  EXPECT_EQ(a.out, "a 45\n");
  EXPECT_EQ(b.out, a.out);
  EXPECT_EQ(b.end.syscalls, a.end.syscalls);
  if (plain_after.count("pf_taken")) {
    const uint64_t plain_faults = plain_after.at("pf_taken") - plain_before.at("pf_taken");
    const uint64_t warmed_faults = warmed_after.at("pf_taken") - warmed_before.at("pf_taken");
    // The replay took the faults; the execution itself takes a handful (its new pages).
    EXPECT_LT(warmed_faults * 10, plain_faults) << warmed_faults << " vs " << plain_faults;
  }
}

TEST(KvmFreshForks, TheExecutionThatTeachesTheTouchListCannotMakeItUnbounded) {
  SKIP_WITHOUT_KVM();
  auto snap = warm("a");
  ASSERT_TRUE(snap);
  auto trial = Machine::create_fork(snap->image, snap->memfd.get(), false, kMaxPages);
  ASSERT_TRUE(trial.has_value());
  (*trial)->track_accesses();
  // 48 MiB written page by page: 12,288 pages, three times the bound.
  Ran r = execute(**trial, *snap,
                  "b = bytearray(48 << 20)\nfor i in range(0, len(b), 4096): b[i] = 1\nprint(1)");
  ASSERT_EQ(r.end.status, RunStatus::kExited) << r.end.message;
  EXPECT_EQ((*trial)->touched_pages().pages.size(), TouchList::kMaxPages);
}

TEST(KvmFreshForks, PrewarmSkipsPagesNoLongerMappedAsListedAndLeavesTheForkUsable) {
  SKIP_WITHOUT_KVM();
  auto snap = warm("a");
  ASSERT_TRUE(snap);
  if (!snap->image.syscall_in_user_mode) GTEST_SKIP() << "prewarm needs user-mode syscalls";
  auto m = Machine::create_fork(snap->image, snap->memfd.get(), false, kMaxPages);
  ASSERT_TRUE(m.has_value());
  // Unmapped pages (written or read), the top of user space, a kernel address and
  // non-canonical ones would all be guest faults: none may be touched.
  TouchList hostile;
  hostile.pages = {0x1000, 0x10000 | TouchList::kWrite, kUserTop, kernel_virt(0),
                   0x7fff'0000'0000 | TouchList::kWrite, 0xdead'0000'0000};
  auto touched = (*m)->prewarm(hostile, snap->image);
  ASSERT_TRUE(touched.has_value());
  EXPECT_EQ(*touched, 0u);
  Ran r = execute(**m, *snap, kProgram);
  EXPECT_EQ(r.end.status, RunStatus::kExited) << r.end.message;
  EXPECT_EQ(r.out, "a 45\n");
}

TEST(KvmFreshForks, PreparedForksAreHandedOutOnceAndUsedMachinesAreDestroyedInTheBackground) {
  SKIP_WITHOUT_KVM();
  auto snap = warm("a");
  ASSERT_TRUE(snap);
  FreshForks forks(2, kMaxPages);
  constexpr int kExecutions = 6;
  std::set<const Machine*> live;
  for (int i = 0; i < kExecutions; ++i) {
    if (i > 0) (void)forks.wait_ready(1, 5'000);
    auto m = forks.take(snap, kMaxPages);
    ASSERT_TRUE(m.has_value());
    // Never the same machine twice while both are alive (retired ones are only destroyed).
    EXPECT_TRUE(live.insert(m->get()).second);
    Ran r = execute(**m, *snap, kProgram);
    EXPECT_EQ(r.end.status, RunStatus::kExited) << r.end.message;
    EXPECT_EQ(r.out, "a 45\n");
    forks.retire(std::move(*m), snap);
    live.clear();
  }
  FreshForks::Stats s;
  for (int i = 0; i < 500; ++i) {
    s = forks.stats();
    if (s.reaped == kExecutions) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(s.used_prepared + s.forked_inline, static_cast<uint64_t>(kExecutions));
  EXPECT_EQ(s.reaped, static_cast<uint64_t>(kExecutions));
  if (snap->image.syscall_in_user_mode) {
    // The first execution taught the list; the later ones found prepared forks.
    EXPECT_GE(s.used_prepared, 1u);
    EXPECT_GE(s.prepared, s.used_prepared);
  }
}

TEST(KvmFreshForks, AForkPreparedFromARotatedOutSnapshotIsNeverUsed) {
  SKIP_WITHOUT_KVM();
  auto old_snap = warm("old");
  auto new_snap = warm("new");
  ASSERT_TRUE(old_snap && new_snap);
  if (!old_snap->image.syscall_in_user_mode) GTEST_SKIP() << "prewarm needs user-mode syscalls";
  FreshForks forks(2, kMaxPages);
  {
    auto m = forks.take(old_snap, kMaxPages);
    ASSERT_TRUE(m.has_value());
    Ran r = execute(**m, *old_snap, kProgram);
    EXPECT_EQ(r.out, "old 45\n");
    forks.retire(std::move(*m), old_snap);
  }
  ASSERT_TRUE(forks.wait_ready(2, 10'000)) << "no fork of the old snapshot was prepared";
  // The template rotated: the prepared forks of the old one must not serve this request.
  auto m = forks.take(new_snap, kMaxPages);
  ASSERT_TRUE(m.has_value());
  Ran r = execute(**m, *new_snap, kProgram);
  EXPECT_EQ(r.end.status, RunStatus::kExited) << r.end.message;
  EXPECT_EQ(r.out, "new 45\n");
  forks.retire(std::move(*m), new_snap);
  EXPECT_GE(forks.stats().discarded_stale, 2u);
}

// Through the Runtime API: executions mostly on prepared VMs, each pristine, each with its own
// randomness, and a crash in one does not reach the next.
TEST(KvmFreshForks, FreshRuntimeExecutionsArePristineAndACrashDoesNotReachTheNext) {
  SKIP_WITHOUT_KVM();
  RuntimeConfig c;
  c.name = "python";
  c.engine = "kvm";
  c.style = "fresh";
  c.pool_size = 1;
  auto rt = make_runtime(c);
  ASSERT_TRUE(rt.has_value()) << (rt ? "" : rt.error());
  constexpr const char* kMutator = R"(
import os, sys, random
seen = repr((sorted(k for k in globals() if not k.startswith('__')), os.environ.get('FB_MARK'),
             os.path.exists('/tmp/fb_mark')))
os.environ['FB_MARK'] = 'dirty'
open('/tmp/fb_mark', 'w').write('x')
hog = bytearray(4 << 20)
for i in range(0, len(hog), 4096): hog[i] = 1
print(seen, random.random())
)";
  std::set<std::string> seen, randoms;
  for (int i = 0; i < 12; ++i) {
    ExecRequest req;
    req.file_name = "<string>";
    req.code = i == 5 ? "import ctypes; ctypes.string_at(8)" : kMutator;
    auto r = (*rt)->exec(req);
    ASSERT_TRUE(r.has_value());
    if (i == 5) {
      EXPECT_NE(r->status, RunStatus::kExited);
      continue;
    }
    ASSERT_EQ(r->status, RunStatus::kExited) << r->message << r->stderr_data;
    const auto cut = r->stdout_data.rfind(' ');
    seen.insert(r->stdout_data.substr(0, cut));
    randoms.insert(r->stdout_data.substr(cut));
    std::this_thread::sleep_for(std::chrono::milliseconds(15));  // let a VM be prepared
  }
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ(randoms.size(), 11u);
}

}  // namespace
}  // namespace forkbox::kvm
