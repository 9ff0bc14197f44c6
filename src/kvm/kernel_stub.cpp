// The descriptor tables and stub code; see kernel_stub.hpp. The stub is hand-assembled bytes
// (each instruction commented) rather than an assembler file: it is a dozen instructions, and
// keeping them next to the offsets the VMM relies on (kernel_layout.hpp) keeps the two in step.
#include "kvm/kernel_stub.hpp"

#include <array>
#include <cstring>
#include <vector>

#include "kvm/kernel_layout.hpp"

namespace forkbox::kvm {

namespace {

void put64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
void put16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }

void write_gdt(uint8_t* gdt) {
  std::memset(gdt, 0, kPageBytes);
  // Flat descriptors with the accessed bit preset so the CPU never writes them.
  put64(gdt + kKernelCs, 0x00af9b000000ffffull);  // 64-bit code, DPL0
  put64(gdt + kKernelDs, 0x00cf93000000ffffull);  // data, DPL0
  put64(gdt + (kUserDs & ~3u), 0x00cff3000000ffffull);  // data, DPL3
  put64(gdt + (kUserCs & ~3u), 0x00affb000000ffffull);  // 64-bit code, DPL3
  // 64-bit available TSS (type 9), 16 bytes, limit 103.
  uint64_t base = kernel_virt(kTssPhys);
  uint64_t low = 103 | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((base >> 24) & 0xff) << 56);
  put64(gdt + kTssSelector, low);
  put64(gdt + kTssSelector + 8, base >> 32);
}

void write_tss(uint8_t* tss) {
  std::memset(tss, 0, 104);
  put64(tss + 4, kernel_virt(kKernelStackTopPhys));  // RSP0
  put16(tss + 102, 104);  // I/O bitmap beyond the limit: user-mode port I/O faults
}

void write_idt(uint8_t* idt) {
  std::memset(idt, 0, kPageBytes);
  for (unsigned v = 0; v < kVectorCount; ++v) {
    uint64_t handler = kernel_virt(kStubPhys + kVectorStubsOffset + v * kVectorStubBytes);
    uint8_t* g = idt + v * 16;
    put16(g, static_cast<uint16_t>(handler));
    put16(g + 2, kKernelCs);
    // Present 64-bit interrupt gate. #BP and #OF are DPL3 so `int3`/`into` reach their handler
    // (SIGTRAP/SIGSEGV as on Linux) instead of #GP.
    g[5] = (v == 3 || v == 4) ? 0xee : 0x8e;
    put16(g + 6, static_cast<uint16_t>(handler >> 16));
    put32(g + 8, static_cast<uint32_t>(handler >> 32));
  }
}

void write_stub(uint8_t* code) {
  std::memset(code, 0xf4, kPageBytes);  // hlt everywhere else
  std::array<uint8_t, 8> syscall_entry = {
      0x88, 0x05, 0, 0, 0, 0,  // mov [rip+disp32], al  (the doorbell) -> VMM serves the call
      0x48, 0xcf,              // iretq                 (kSyscallReturnOffset, kernel-mode hosts)
  };
  auto bell = static_cast<int32_t>(static_cast<int64_t>(kDoorbellVirt) -
                                   static_cast<int64_t>(kernel_virt(kStubPhys + 6)));
  std::memcpy(&syscall_entry[2], &bell, 4);
  std::memcpy(code + kSyscallEntryOffset, syscall_entry.data(), syscall_entry.size());
  const std::array<uint8_t, 10> flush_return = {
      0x50,              // push rax
      0x0f, 0x20, 0xd8,  // mov rax, cr3
      0x0f, 0x22, 0xd8,  // mov cr3, rax            drops stale translations
      0x58,              // pop rax
      0x48, 0xcf,        // iretq
  };
  std::memcpy(code + kFlushReturnOffset, flush_return.data(), flush_return.size());

  for (unsigned v = 0; v < kVectorCount; ++v) {
    uint64_t off = kVectorStubsOffset + v * kVectorStubBytes;
    uint8_t* p = code + off;
    std::vector<uint8_t> bytes;
    if (!vector_has_error_code(v)) bytes.insert(bytes.end(), {0x6a, 0x00});  // push 0
    if (v == kPageFaultVector) {
      // push rax; mov rax, cr2; mov [rip+disp32], rax; pop rax
      bytes.insert(bytes.end(), {0x50, 0x0f, 0x20, 0xd0, 0x48, 0x89, 0x05, 0, 0, 0, 0, 0x58});
      uint64_t next = kStubPhys + off + bytes.size() - 1;  // address after the disp32
      auto disp = static_cast<int32_t>(static_cast<int64_t>(kKernelDataPhys) -
                                       static_cast<int64_t>(next));
      std::memcpy(&bytes[bytes.size() - 5], &disp, 4);
    }
    bytes.insert(bytes.end(), {0xe6, static_cast<uint8_t>(kExceptionPortBase + v)});  // out
    bytes.insert(bytes.end(), {0x48, 0x83, 0xc4, 0x08});  // add rsp, 8 (drop the error code)
    bytes.insert(bytes.end(), {0x48, 0xcf});              // iretq
    std::memcpy(p, bytes.data(), bytes.size());
  }
}

}  // namespace

bool vector_has_error_code(unsigned vector) {
  switch (vector) {
    case 8: case 10: case 11: case 12: case 13: case 14: case 17: case 21: case 29: case 30:
      return true;
    default:
      return false;
  }
}

bool install_kernel(PhysMemory& mem, PageTables& tables) {
  write_gdt(mem.host(kGdtPhys));
  write_idt(mem.host(kIdtPhys));
  write_tss(mem.host(kTssPhys));
  write_stub(mem.host(kStubPhys));
  for (uint64_t phys = 0; phys < kReservedBytes; phys += kPageBytes) {
    // The stub code and its stack are user-accessible: this machine's hypervisor runs the
    // `syscall` target without leaving user mode, so the stub must be fetchable there (and
    // on kernel-mode hosts the `iretq` frame is read from this stack). Exceptions still enter
    // CPL0 through the IDT. The GDT, IDT and TSS stay supervisor-only.
    const bool user = phys == kStubPhys || (phys >= kKernelStackPhys && phys < kKernelStackTopPhys);
    uint64_t* leaf = tables.leaf(kernel_virt(phys), true, pte::kUser);
    if (!leaf) return false;
    uint64_t flags = pte::kPresent | pte::kAccessed | pte::kDirty | pte::kBacked;
    if (user) flags |= pte::kUser;
    if (phys == kStubPhys) {
      *leaf = phys | flags;  // read + execute
    } else {
      *leaf = phys | flags | pte::kWritable | pte::kNoExecute;
    }
  }
  uint64_t* doorbell = tables.leaf(kDoorbellVirt, true, pte::kUser);
  if (!doorbell) return false;
  *doorbell = kDoorbellPhys | pte::kPresent | pte::kWritable | pte::kUser | pte::kAccessed |
              pte::kDirty | pte::kNoExecute;
  return true;
}

}  // namespace forkbox::kvm
