// The kvm runtimes through the sandbox API (forkbox::Runtime): pristine state across pooled
// executions, per-fork randomness, real exit codes and tracebacks, and a pool that a crash,
// a deadline or a memory-limit hit cannot poison. Skips without a usable /dev/kvm.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "kvm/run.hpp"
#include "sandbox/factory.hpp"
#include "skip_without_kvm.hpp"

namespace forkbox {
namespace {

std::shared_ptr<Runtime> make(const std::string& name, const std::string& style) {
  RuntimeConfig c;
  c.name = name;
  c.engine = "kvm";
  c.style = style;
  c.pool_size = 1;
  auto r = make_runtime(c);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error());
  return r ? *r : nullptr;
}

ExecResult run(Runtime& rt, std::string code, std::string stdin_data = {}) {
  ExecRequest req;
  req.code = std::move(code);
  req.file_name = "<string>";
  req.stdin_data = std::move(stdin_data);
  auto r = rt.exec(req);
  EXPECT_TRUE(r.has_value());
  return r ? *r : ExecResult{};
}

// Changes globals, the environment, numpy's state and memory, writes to module state, then
// prints a digest of what it saw first and a random number.
constexpr const char* kMutator = R"(
import os, sys, random, numpy as np, hashlib
seen = repr((sorted(k for k in globals() if not k.startswith('__')), os.environ.get('FB_MARK'),
             getattr(np, 'fb_mark', None), len(sys.modules.get('json').__dict__) if 'json' in sys.modules else -1))
digest = hashlib.sha256(seen.encode()).hexdigest()[:16]
os.environ['FB_MARK'] = 'dirty'
np.fb_mark = 1
import json
hog = bytearray(8 << 20)
for i in range(0, len(hog), 4096): hog[i] = 1
print(digest, random.random(), np.random.rand())
)";

TEST(KvmRuntime, HundredPooledExecutionsEachSeePristineStateAndFreshRandomness) {
  SKIP_WITHOUT_KVM();
  auto rt = make("python", "pooled");
  ASSERT_TRUE(rt);
  std::set<std::string> digests, randoms;
  for (int i = 0; i < 100; ++i) {
    ExecResult r = run(*rt, kMutator);
    ASSERT_EQ(r.status, RunStatus::kExited) << r.message << r.stderr_data;
    ASSERT_EQ(r.exit_code, 0) << r.stderr_data;
    auto space = r.stdout_data.find(' ');
    digests.insert(r.stdout_data.substr(0, space));
    randoms.insert(r.stdout_data.substr(space));
  }
  EXPECT_EQ(digests.size(), 1u);
  EXPECT_EQ(randoms.size(), 100u);
}

TEST(KvmRuntime, FreshStyleRunsAndSeparatesStdoutStderrAndExitCode) {
  SKIP_WITHOUT_KVM();
  auto rt = make("python", "fresh");
  ASSERT_TRUE(rt);
  ExecResult r = run(*rt, "import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)");
  EXPECT_EQ(r.status, RunStatus::kExited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.stdout_data, "out\n");
  EXPECT_EQ(r.stderr_data, "err\n");
}

TEST(KvmRuntime, UncaughtExceptionPrintsPythonsTracebackAndExitsOne) {
  SKIP_WITHOUT_KVM();
  auto rt = make("python", "pooled");
  ASSERT_TRUE(rt);
  ExecResult r = run(*rt, "x = 1\n1/0\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.stderr_data,
            "Traceback (most recent call last):\n  File \"<string>\", line 2, in <module>\n"
            "ZeroDivisionError: division by zero\n");
  ExecRequest req;
  req.code = "def f():\n    raise ValueError('bad')\nf()\n";
  req.file_name = "prog.py";
  auto named = rt->exec(req);
  ASSERT_TRUE(named);
  EXPECT_NE(named->stderr_data.find("File \"prog.py\", line 2, in f\n    raise ValueError('bad')"),
            std::string::npos)
      << named->stderr_data;
}

TEST(KvmRuntime, StdinReachesTheProgramSeparatelyFromTheCode) {
  SKIP_WITHOUT_KVM();
  auto py = make("python", "pooled");
  ASSERT_TRUE(py);
  EXPECT_EQ(run(*py, "import sys\nprint(sys.stdin.read().upper())", "hello").stdout_data,
            "HELLO\n");
  auto lua = make("lua", "pooled");
  ASSERT_TRUE(lua);
  EXPECT_EQ(run(*lua, "print(io.read('a'):upper())", "hello").stdout_data, "HELLO\n");
}

TEST(KvmRuntime, CrashDeadlineAndMemoryLimitNeverPoisonThePool) {
  SKIP_WITHOUT_KVM();
  RuntimeConfig c;
  c.name = "python";
  c.engine = "kvm";
  c.pool_size = 1;
  auto made = make_runtime(c);
  ASSERT_TRUE(made) << made.error();
  Runtime& rt = **made;
  const std::string probe = "import os\nprint(os.environ.get('X'), 'ok')";
  ExecRequest crash;
  crash.code = "import os, ctypes\nos.environ['X']='1'\nctypes.string_at(1)";
  ExecRequest slow;
  slow.code = "import os\nos.environ['X']='1'\nwhile True: pass";
  slow.timeout_ms = 300;
  ExecRequest hog;
  hog.code = "import os\nos.environ['X']='1'\nb = bytearray(400 << 20)\nb[::4096] = b'x' * len(b[::4096])";
  hog.memory_mb = 128;
  for (const ExecRequest* bad : {&crash, &slow, &hog}) {
    auto r = rt.exec(*bad);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->status != RunStatus::kExited || r->exit_code != 0) << r->stderr_data;
    ExecResult next = run(rt, probe);
    EXPECT_EQ(next.status, RunStatus::kExited) << next.message;
    EXPECT_EQ(next.stdout_data, "None ok\n");
  }
  SandboxCounters counters = rt.counters();
  EXPECT_EQ(counters.timeouts, 1u);
  EXPECT_EQ(counters.memory_limits + counters.faults, 2u) << "one crash, one memory limit";
}

TEST(KvmRuntime, TmpIsWritableAndPrivateToOnePooledExecution) {
  SKIP_WITHOUT_KVM();
  auto rt = make("python", "pooled");
  ASSERT_TRUE(rt);
  const std::string code = R"(
import os
existed = os.path.exists('/tmp/note.txt')
os.makedirs('/tmp/sub', exist_ok=True)
with open('/tmp/note.txt', 'a') as f:
    f.write('written once\n')
with open('/tmp/note.txt') as f:
    text = f.read()
with open('/dev/urandom', 'rb') as f:
    noise = f.read(8)
open('/dev/null', 'w').write('gone')
print(existed, repr(text), sorted(os.listdir('/tmp')), len(noise))
)";
  for (int i = 0; i < 3; ++i) {
    ExecResult r = run(*rt, code);
    ASSERT_EQ(r.status, RunStatus::kExited) << r.message;
    ASSERT_EQ(r.exit_code, 0) << r.stderr_data;
    EXPECT_EQ(r.stdout_data, "False 'written once\\n' ['note.txt', 'sub'] 8\n") << "run " << i;
  }
  // Everything outside /tmp stays read-only.
  ExecResult ro = run(*rt, "open('/usr/lib/forkbox-test', 'w')");
  EXPECT_EQ(ro.exit_code, 1);
  EXPECT_NE(ro.stderr_data.find("Read-only file system"), std::string::npos) << ro.stderr_data;
}

TEST(KvmRuntime, FpuAndSegmentBaseChangesDoNotReachTheNextPooledExecution) {
  SKIP_WITHOUT_KVM();
  auto rt = make("python", "pooled");
  ASSERT_TRUE(rt);
  // Each prints what it found, then changes it: a pooled reset must restore the FPU control
  // state (a clean run: the light restore) and the segment bases (arch_prctl: a full restore).
  const std::string fpu = R"(
import ctypes, mmap
code = mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
# get: sub rsp,8; stmxcsr [rsp]; mov eax,[rsp]; add rsp,8; ret
# set: sub rsp,8; mov [rsp],edi; ldmxcsr [rsp]; add rsp,8; ret
code.write(bytes.fromhex('4883ec080fae1c248b04244883c408c3' '4883ec08893c240fae14244883c408c3'))
base = ctypes.addressof(ctypes.c_char.from_buffer(code))
get = ctypes.CFUNCTYPE(ctypes.c_uint32)(base)
put = ctypes.CFUNCTYPE(None, ctypes.c_uint32)(base + 16)
before = get()
put(0x7f80)
print(hex(before), hex(get()))
)";
  const std::string gs = R"(
import ctypes
libc = ctypes.CDLL('libc.so.6')
base = ctypes.c_uint64(0)
libc.syscall(158, 0x1004, ctypes.byref(base))
print(base.value)
libc.syscall(158, 0x1001, ctypes.c_uint64(0x12340000))
)";
  const std::string first = run(*rt, fpu).stdout_data;
  EXPECT_NE(first.find(" 0x7f80\n"), std::string::npos) << first;  // the change took effect
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(run(*rt, fpu).stdout_data, first) << "run " << i;
    EXPECT_EQ(run(*rt, gs).stdout_data, "0\n") << "run " << i;
  }
}

TEST(KvmRuntime, LargeAndMixedOutputArrivesCompleteAndInOrder) {
  SKIP_WITHOUT_KVM();
  auto rt = make("python", "pooled");
  ASSERT_TRUE(rt);
  // More than the agent's 64 KiB stdout buffer, text and bytes layers mixed, explicit flushes,
  // non-ASCII text, and stderr kept apart.
  const std::string code = R"(
import sys
for i in range(20000):
    print(i)
sys.stdout.buffer.write(b'raw\n')
print('flushed', flush=True)
sys.stdout.write('h\u00e9 end\n')
print('to stderr', file=sys.stderr)
)";
  ExecResult r = run(*rt, code);
  ASSERT_EQ(r.exit_code, 0) << r.stderr_data;
  std::string expected;
  for (int i = 0; i < 20000; ++i) expected += std::to_string(i) + "\n";
  expected += "raw\nflushed\nh\xc3\xa9 end\n";
  EXPECT_EQ(r.stdout_data.size(), expected.size());
  EXPECT_TRUE(r.stdout_data == expected);
  EXPECT_EQ(r.stderr_data, "to stderr\n");
}

// The agent copies host CSPRNG bytes straight into the MT19937 states of random and numpy's
// global generator: each execution starts from fresh "regenerate" positions with empty gaussian
// caches, draws valid values (uniform means near 0.5, finite gaussians, state readable by the
// generators' own getstate) and different values from every other execution.
constexpr const char* kGeneratorCheck = R"(
import math, random, numpy as np
state = random.getstate()
legacy = np.random.get_state()
fresh = (state[1][624] == 624 and state[2] is None and legacy[2] == 624 and legacy[3] == 0)
mean_py = sum(random.random() for _ in range(2000)) / 2000
mean_np = float(np.random.rand(2000).mean())
gauss = [random.gauss(0, 1), float(np.random.standard_normal())]
ok = fresh and 0.45 < mean_py < 0.55 and 0.45 < mean_np < 0.55 and all(map(math.isfinite, gauss))
print('ok' if ok else ('bad', fresh, mean_py, mean_np, gauss), random.getrandbits(64),
      int(np.random.randint(1 << 62)))
)";

TEST(KvmRuntime, ReseedGivesEveryExecutionFreshValidRandomAndNumpyStates) {
  SKIP_WITHOUT_KVM();
  for (const char* style : {"pooled", "fresh"}) {
    auto rt = make("python", style);
    ASSERT_TRUE(rt);
    std::set<std::string> py_values, np_values;
    const int runs = std::string(style) == "pooled" ? 20 : 3;
    for (int i = 0; i < runs; ++i) {
      ExecResult r = run(*rt, kGeneratorCheck);
      ASSERT_EQ(r.exit_code, 0) << r.stderr_data;
      ASSERT_EQ(r.stdout_data.rfind("ok ", 0), 0u) << style << ": " << r.stdout_data;
      const size_t a = r.stdout_data.find(' ');
      const size_t b = r.stdout_data.find(' ', a + 1);
      py_values.insert(r.stdout_data.substr(a + 1, b - a - 1));
      np_values.insert(r.stdout_data.substr(b + 1));
    }
    EXPECT_EQ(py_values.size(), static_cast<size_t>(runs)) << style;
    EXPECT_EQ(np_values.size(), static_cast<size_t>(runs)) << style;
  }
}

// What the agent does before the snapshot to make executions cheaper (a rehearsal execution,
// a prebuilt __main__, fresh allocator pools) must not show: the program sees python3 -c's
// argv, a __main__ with only the module defaults, and none of the rehearsal's output.
TEST(KvmRuntime, WarmUpRehearsalLeavesNoTraceInTheProgramsView) {
  SKIP_WITHOUT_KVM();
  auto rt = make("python", "pooled");
  ASSERT_TRUE(rt);
  for (int i = 0; i < 3; ++i) {
    ExecResult r = run(*rt, "import sys\nx = 1\nprint(sorted(globals()), sys.argv, __name__)");
    ASSERT_EQ(r.exit_code, 0) << r.stderr_data;
    EXPECT_EQ(r.stdout_data,
              "['__builtins__', '__doc__', '__loader__', '__name__', '__package__', '__spec__', "
              "'sys', 'x'] ['<string>'] __main__\n");
  }
  ExecRequest req;
  req.code = "import sys; print(sys.argv, __file__)";
  req.file_name = "prog.py";
  req.args = {"a", "b"};
  auto r = rt->exec(req);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->stdout_data, "['prog.py', 'a', 'b'] prog.py\n");
  EXPECT_EQ(run(*rt, "import sys; print(sys.argv)").stdout_data, "['<string>']\n");
}

// Regression guard on the pages one pooled print(1+1) changes (issue #6 counts them as the
// memory an execution costs, target 64 pages = 256 KiB): ~151 before the cheap reseed and the
// agent's warm-up work, ~77 after, 59-61 since the rehearsal also runs the finish and the
// execution path is one function. The bound leaves room for layout noise (the hash seed moves
// dicts between pools: a few pages) but catches a helper function or a per-execution
// allocation of real size coming back.
TEST(KvmRuntime, PooledPrintChangesFewGuestPages) {
  SKIP_WITHOUT_KVM();
  auto rt = make("python", "pooled");
  ASSERT_TRUE(rt);
  uint64_t most = 0;
  for (int i = 0; i < 5; ++i) {
    ExecResult r = run(*rt, "print(1+1)");
    ASSERT_EQ(r.stdout_data, "2\n");
    if (i > 0) most = std::max(most, r.usage.pages_written);  // the first includes the fork
  }
  EXPECT_GT(most, 0u);
  EXPECT_LE(most, 72u);
}

TEST(KvmRuntime, LuaErrorsGoToStderrWithExitOne) {
  SKIP_WITHOUT_KVM();
  auto lua = make("lua", "fresh");
  ASSERT_TRUE(lua);
  ExecResult r = run(*lua, "error('boom')");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.stderr_data.rfind("lua5.4: (command line):1: boom", 0), 0u) << r.stderr_data;
}

}  // namespace
}  // namespace forkbox
