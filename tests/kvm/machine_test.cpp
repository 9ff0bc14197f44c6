// The kvm engine's machine layer, without the Linux personality: hand-assembled user-mode
// programs that make system calls, fault, and loop, checking that each VM exit arrives as the
// typed event it should and that the address space (lazy backing, munmap, mprotect) behaves as
// the guest must see it. Skips when /dev/kvm is not usable.
#include <gtest/gtest.h>

#include <csignal>
#include <cstring>
#include <string>
#include <vector>

#include "kvm/deadline.hpp"
#include "kvm/machine.hpp"

namespace forkbox::kvm {
namespace {

constexpr uint64_t kCode = 0x400000;
constexpr uint64_t kData = 0x600000;
constexpr uint64_t kStackBase = 0x7ff000000000;
constexpr uint64_t kStackSize = 64 * 1024;

std::unique_ptr<Machine> make_machine(uint64_t memory = 64ull << 20) {
  MachineConfig config;
  config.memory_bytes = memory;
  auto m = Machine::create(config);
  if (!m) {
    ADD_FAILURE() << "Machine::create: " << describe(m.error());
    return nullptr;
  }
  return std::move(*m);
}

#define REQUIRE_KVM()                                                  \
  do {                                                                 \
    if (access("/dev/kvm", R_OK | W_OK) != 0)                          \
      GTEST_SKIP() << "/dev/kvm is not available on this machine";     \
  } while (0)

// Maps `code` at kCode (read+exec), a stack, and starts the machine there.
void load(Machine& m, const std::vector<uint8_t>& code) {
  auto& mem = m.memory();
  ASSERT_TRUE(mem.map(kCode, 4096, os::kProtRead | os::kProtExec, os::Placement::kFixed));
  ASSERT_TRUE(mem.poke(kCode, code.data(), code.size()));
  ASSERT_TRUE(mem.map(kStackBase, kStackSize, os::kProtRead | os::kProtWrite,
                      os::Placement::kFixed));
  ASSERT_TRUE(m.start(kCode, kStackBase + kStackSize - 64));
}

// Serves write(1, ...) and exit(); returns the exit status, or -1 when run() ends otherwise.
struct MiniOs {
  std::string out;
  int status = -1;
  Exit last;
  uint64_t syscalls = 0;

  void run(Machine& m) {
    while (true) {
      Exit e = m.run();
      if (e.kind != ExitKind::kSyscall) {
        last = e;
        return;
      }
      ++syscalls;
      const kvm_regs& r = m.regs();
      if (r.rax == 60 || r.rax == 231) {
        status = static_cast<int>(r.rdi);
        last = e;
        return;
      }
      if (r.rax == 1) {
        std::string buf(r.rdx, '\0');
        if (!m.memory().read(r.rsi, buf.data(), buf.size())) {
          m.finish_syscall(static_cast<uint64_t>(-EFAULT));
          continue;
        }
        out += buf;
        m.finish_syscall(r.rdx);
        continue;
      }
      if (r.rax == 11) {  // munmap
        m.finish_syscall(static_cast<uint64_t>(m.memory().unmap(r.rdi, r.rsi)));
        continue;
      }
      if (r.rax == 10) {  // mprotect
        m.finish_syscall(
            static_cast<uint64_t>(m.memory().protect(r.rdi, r.rsi, static_cast<uint8_t>(r.rdx))));
        continue;
      }
      m.finish_syscall(static_cast<uint64_t>(-ENOSYS));
    }
  }
};

void append(std::vector<uint8_t>& v, std::initializer_list<uint8_t> bytes) {
  v.insert(v.end(), bytes);
}
void mov_eax(std::vector<uint8_t>& v, uint32_t x) {
  v.push_back(0xb8);
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
void mov_edi(std::vector<uint8_t>& v, uint32_t x) {
  v.push_back(0xbf);
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
void mov_esi(std::vector<uint8_t>& v, uint32_t x) {
  v.push_back(0xbe);
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
void mov_edx(std::vector<uint8_t>& v, uint32_t x) {
  v.push_back(0xba);
  for (int i = 0; i < 4; ++i) v.push_back(static_cast<uint8_t>(x >> (8 * i)));
}
void syscall_insn(std::vector<uint8_t>& v) { append(v, {0x0f, 0x05}); }
void exit_with(std::vector<uint8_t>& v, uint32_t status) {
  mov_eax(v, 60);
  mov_edi(v, status);
  syscall_insn(v);
}

TEST(KvmMachine, WriteAndExitSystemCallsReachTheVmm) {
  REQUIRE_KVM();
  auto m = make_machine();
  ASSERT_TRUE(m);
  std::vector<uint8_t> code;
  mov_eax(code, 1);
  mov_edi(code, 1);
  size_t lea_at = code.size();
  append(code, {0x48, 0x8d, 0x35, 0, 0, 0, 0});  // lea rsi, [rip+msg]
  mov_edx(code, 6);
  syscall_insn(code);
  exit_with(code, 7);
  int32_t disp = static_cast<int32_t>(code.size() - (lea_at + 7));
  std::memcpy(&code[lea_at + 3], &disp, 4);
  for (char c : std::string("hello\n")) code.push_back(static_cast<uint8_t>(c));
  load(*m, code);
  MiniOs os;
  os.run(*m);
  EXPECT_EQ(os.out, "hello\n") << os.last.message;
  EXPECT_EQ(os.status, 7);
  EXPECT_EQ(os.syscalls, 2u);
}

TEST(KvmMachine, RegistersSurviveASystemCallExceptRaxRcxR11) {
  REQUIRE_KVM();
  auto m = make_machine();
  ASSERT_TRUE(m);
  std::vector<uint8_t> code;
  append(code, {0x49, 0xbc, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11});  // mov r12, imm64
  append(code, {0xbb, 0x2a, 0, 0, 0});  // mov ebx, 42
  mov_eax(code, 39);                    // getpid -> -ENOSYS from MiniOs
  syscall_insn(code);
  // exit(rbx + (r12 >> 56) + (rax == -38 ? 0 : 100)) : 42 + 0x11 = 59 when all survived
  append(code, {0x4c, 0x89, 0xe7});              // mov rdi, r12
  append(code, {0x48, 0xc1, 0xef, 0x38});        // shr rdi, 56
  append(code, {0x48, 0x01, 0xdf});              // add rdi, rbx
  append(code, {0x48, 0x83, 0xf8, 0xda});        // cmp rax, -38
  append(code, {0x74, 0x04});                    // je +4
  append(code, {0x48, 0x83, 0xc7, 0x64});        // add rdi, 100
  mov_eax(code, 60);
  syscall_insn(code);
  load(*m, code);
  MiniOs os;
  os.run(*m);
  EXPECT_EQ(os.status, 59);
}

TEST(KvmMachine, UntouchedAnonymousMemoryIsBackedLazilyAndZero) {
  REQUIRE_KVM();
  auto m = make_machine();
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->memory().map(kData, 1 << 20, os::kProtRead | os::kProtWrite,
                              os::Placement::kFixed));
  uint64_t before = m->user_pages();
  std::vector<uint8_t> code;
  // mov rax, [kData + 0x80000]; add rax, 5; mov [kData+0x80000], rax; mov rdi,[..]; exit
  append(code, {0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x68, 0x00});  // mov rax, [0x680000]
  append(code, {0x48, 0x83, 0xc0, 0x05});                          // add rax, 5
  append(code, {0x48, 0x89, 0x04, 0x25, 0x00, 0x00, 0x68, 0x00});  // mov [0x680000], rax
  append(code, {0x48, 0x8b, 0x3c, 0x25, 0x00, 0x00, 0x68, 0x00});  // mov rdi, [0x680000]
  mov_eax(code, 60);
  syscall_insn(code);
  load(*m, code);
  MiniOs os;
  os.run(*m);
  EXPECT_EQ(os.status, 5);
  EXPECT_GE(m->exits_by_reason().at("page_fault"), 1u);
  uint64_t value = 0;
  ASSERT_TRUE(m->memory().read(kData + 0x80000, &value, sizeof(value)));
  EXPECT_EQ(value, 5u);
  // Touching one page of a 1 MiB mapping backs a small window, not the megabyte.
  EXPECT_LT(m->user_pages() - before, 64u);
}

TEST(KvmMachine, AccessToUnmappedMemoryIsASegvWithTheAddress) {
  REQUIRE_KVM();
  auto m = make_machine();
  ASSERT_TRUE(m);
  std::vector<uint8_t> code;
  append(code, {0x48, 0x8b, 0x04, 0x25, 0x34, 0x12, 0x50, 0x00});  // mov rax, [0x501234]
  exit_with(code, 0);
  load(*m, code);
  MiniOs os;
  os.run(*m);
  EXPECT_EQ(os.last.kind, ExitKind::kFault);
  EXPECT_EQ(os.last.signal, SIGSEGV);
  EXPECT_EQ(os.last.address, 0x501234u);
  EXPECT_EQ(os.last.rip, kCode);
}

TEST(KvmMachine, IllegalInstructionIsSigill) {
  REQUIRE_KVM();
  auto m = make_machine();
  ASSERT_TRUE(m);
  std::vector<uint8_t> code = {0x0f, 0x0b};  // ud2
  load(*m, code);
  MiniOs os;
  os.run(*m);
  EXPECT_EQ(os.last.kind, ExitKind::kFault);
  EXPECT_EQ(os.last.signal, SIGILL);
  EXPECT_EQ(os.last.vector, 6u);
}

TEST(KvmMachine, PrivilegedInstructionsAndKernelMemoryFault) {
  REQUIRE_KVM();
  for (std::vector<uint8_t> code : {
           std::vector<uint8_t>{0xf4},                    // hlt
           std::vector<uint8_t>{0x0f, 0x20, 0xd8},        // mov rax, cr3
           std::vector<uint8_t>{0xe6, 0x10},              // out 0x10, al (fake a syscall exit)
           std::vector<uint8_t>{0x48, 0xa1, 0x00, 0x30, 0x00, 0x80, 0xff, 0xff, 0xff, 0xff},
           // ^ mov rax, [kernel stub page]
       }) {
    auto m = make_machine();
    ASSERT_TRUE(m);
    load(*m, code);
    MiniOs os;
    os.run(*m);
    EXPECT_EQ(os.last.kind, ExitKind::kFault);
    EXPECT_EQ(os.last.signal, SIGSEGV);
    EXPECT_EQ(os.syscalls, 0u);
  }
}

TEST(KvmMachine, DivideByZeroIsSigfpe) {
  REQUIRE_KVM();
  auto m = make_machine();
  ASSERT_TRUE(m);
  std::vector<uint8_t> code = {0x31, 0xc9, 0xf7, 0xf1};  // xor ecx, ecx; div ecx
  load(*m, code);
  MiniOs os;
  os.run(*m);
  EXPECT_EQ(os.last.kind, ExitKind::kFault);
  EXPECT_EQ(os.last.signal, SIGFPE);
}

TEST(KvmMachine, MunmapTakesEffectForTheGuestImmediately) {
  REQUIRE_KVM();
  auto m = make_machine();
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->memory().map(kData, 4096, os::kProtRead | os::kProtWrite,
                              os::Placement::kFixed));
  std::vector<uint8_t> code;
  append(code, {0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x60, 0x00});  // mov rax, [kData] (touch)
  mov_eax(code, 11);
  mov_edi(code, static_cast<uint32_t>(kData));
  mov_esi(code, 4096);
  syscall_insn(code);
  append(code, {0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x60, 0x00});  // mov rax, [kData] again
  exit_with(code, 0);
  load(*m, code);
  MiniOs os;
  os.run(*m);
  EXPECT_EQ(os.last.kind, ExitKind::kFault);
  EXPECT_EQ(os.last.address, kData);
}

TEST(KvmMachine, MprotectReadOnlyMakesWritesFault) {
  REQUIRE_KVM();
  auto m = make_machine();
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->memory().map(kData, 4096, os::kProtRead | os::kProtWrite,
                              os::Placement::kFixed));
  std::vector<uint8_t> code;
  append(code, {0x48, 0x89, 0x04, 0x25, 0x00, 0x00, 0x60, 0x00});  // mov [kData], rax
  mov_eax(code, 10);
  mov_edi(code, static_cast<uint32_t>(kData));
  mov_esi(code, 4096);
  mov_edx(code, os::kProtRead);
  syscall_insn(code);
  append(code, {0x48, 0x8b, 0x1c, 0x25, 0x00, 0x00, 0x60, 0x00});  // mov rbx, [kData]: fine
  append(code, {0x48, 0x89, 0x04, 0x25, 0x00, 0x00, 0x60, 0x00});  // mov [kData], rax: faults
  exit_with(code, 0);
  load(*m, code);
  MiniOs os;
  os.run(*m);
  EXPECT_EQ(os.last.kind, ExitKind::kFault);
  EXPECT_EQ(os.last.signal, SIGSEGV);
  EXPECT_EQ(os.last.address, kData);
}

TEST(KvmMachine, TouchingMoreThanTheMemoryLimitStopsTheGuest) {
  REQUIRE_KVM();
  auto m = make_machine(4ull << 20);  // 4 MiB
  ASSERT_TRUE(m);
  ASSERT_TRUE(m->memory().map(kData, 64ull << 20, os::kProtRead | os::kProtWrite,
                              os::Placement::kFixed));
  std::vector<uint8_t> code;
  // rbx = kData; loop: mov [rbx], al; add rbx, 4096; jmp loop
  append(code, {0xbb, 0x00, 0x00, 0x60, 0x00});  // mov ebx, kData
  append(code, {0x88, 0x03});                    // mov [rbx], al
  append(code, {0x48, 0x81, 0xc3, 0x00, 0x10, 0x00, 0x00});  // add rbx, 4096
  append(code, {0xeb, 0xf5});                    // jmp back to mov [rbx], al
  load(*m, code);
  MiniOs os;
  os.run(*m);
  EXPECT_EQ(os.last.kind, ExitKind::kMemoryLimit);
  EXPECT_LE(m->user_pages(), 1024u);
}

TEST(KvmMachine, DeadlineKicksARunawayLoop) {
  REQUIRE_KVM();
  auto m = make_machine();
  ASSERT_TRUE(m);
  load(*m, {0xeb, 0xfe});  // jmp .
  Deadline deadline(m->run_page(), 200);
  ASSERT_TRUE(deadline.armed());
  Exit e = m->run();
  EXPECT_EQ(e.kind, ExitKind::kInterrupted);
  EXPECT_TRUE(deadline.expired());
}

}  // namespace
}  // namespace forkbox::kvm
