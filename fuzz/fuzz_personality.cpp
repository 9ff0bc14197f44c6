// libFuzzer target: the Linux personality. Each input is a sequence of system calls (number and
// six arguments) issued against a real riscv Memory, for either architecture's syscall table.
// Arguments are drawn from shapes that reach deep paths: small integers (fds, flags), pointers
// into a read-write scratch mapping that the input also fills (paths, iovecs, structs),
// pointers into read-only, PROT_NONE and unmapped memory (EFAULT paths), and raw 64-bit values.
// The guest may read files under fuzz/fixtures only, which holds a symlink pointing out of it.
//
// Sleeping calls are replaced by getpid: they really sleep (up to a second) by design, which
// would only slow the fuzzer down without exercising anything new.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "linux/personality.hpp"
#include "riscv/memory.hpp"

namespace {

namespace os = forkbox::os;

constexpr uint64_t kScratch = 0x100000;
constexpr uint64_t kScratchSize = 64 * 1024;
constexpr uint64_t kReadOnly = kScratch + kScratchSize;
constexpr uint64_t kNoAccess = kReadOnly + os::kPageSize;
constexpr uint64_t kUnmapped = kNoAccess + os::kPageSize;
// Why 64 calls: long enough for open -> read -> lseek -> mmap -> close sequences, short enough
// that every input runs in about a millisecond.
constexpr int kMaxCalls = 64;
constexpr uint64_t kMemoryLimit = 32ull << 20;

bool is_sleep(os::Arch arch, uint64_t nr) {
  if (arch == os::Arch::kRiscv64) return nr == 101 || nr == 115;  // nanosleep, clock_nanosleep
  return nr == 35 || nr == 230 || nr == 34;  // nanosleep, clock_nanosleep, pause
}

uint64_t pick_arg(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange<int>(0, 6)) {
    case 0: return in.ConsumeIntegralInRange<uint64_t>(0, 16);
    case 1: return kScratch + in.ConsumeIntegralInRange<uint64_t>(0, kScratchSize);
    case 2: return kReadOnly + in.ConsumeIntegralInRange<uint64_t>(0, os::kPageSize);
    case 3: return kNoAccess + in.ConsumeIntegralInRange<uint64_t>(0, os::kPageSize);
    case 4: return kUnmapped + in.ConsumeIntegral<uint16_t>();
    case 5: return static_cast<uint64_t>(-in.ConsumeIntegralInRange<int64_t>(1, 200));
    default: return in.ConsumeIntegral<uint64_t>();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  os::PersonalityConfig pc;
  pc.arch = in.ConsumeBool() ? os::Arch::kX86_64 : os::Arch::kRiscv64;
  pc.allow_read = {FORKBOX_FUZZ_FIXTURES};
  pc.stdio.stdin_data = "stdin for the fuzzer\n";
  pc.stdio.output_limit = 1 << 16;
  os::Personality personality(pc);

  forkbox::riscv::Memory mem(kMemoryLimit);
  if (!mem.map(kScratch, kScratchSize, os::kProtRead | os::kProtWrite, os::Placement::kFixed) ||
      !mem.map(kReadOnly, os::kPageSize, os::kProtRead, os::Placement::kFixed) ||
      !mem.map(kNoAccess, os::kPageSize, os::kProtNone, os::Placement::kFixed))
    __builtin_trap();
  mem.set_brk_start(0x4000000);
  // Scratch contents: a prefix of the input (paths, structs), so corpora can carry strings.
  std::vector<uint8_t> fill = in.ConsumeBytes<uint8_t>(in.ConsumeIntegralInRange<size_t>(0, 512));
  if (!fill.empty() && !mem.write(kScratch, fill.data(), fill.size())) __builtin_trap();

  for (int call = 0; call < kMaxCalls && in.remaining_bytes() > 0; ++call) {
    os::SyscallRequest req;
    req.number = in.ConsumeIntegralInRange<uint64_t>(0, 460);
    if (is_sleep(pc.arch, req.number)) req.number = pc.arch == os::Arch::kRiscv64 ? 172 : 39;
    for (auto& a : req.args) a = pick_arg(in);
    os::SyscallOutcome out = personality.handle(req, mem);
    if (out.kind != os::OutcomeKind::kReturn) break;  // exit, signal, pause or output limit
  }
  (void)personality.captured_stdout();
  return 0;
}
