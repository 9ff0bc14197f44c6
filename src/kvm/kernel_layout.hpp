// The fixed shape of every guest: where the tiny kernel-mode stub, its descriptor tables and
// stack live (guest-physical and guest-virtual), which I/O ports the stub uses to exit to the
// VMM, the segment selectors, and the x86-64 Linux user address-space layout programs expect.
//
// Why these values: the kernel structures sit at the bottom of guest-physical memory and are
// mapped supervisor-only in the top 2 GiB of the address space (like Linux's kernel text), so
// user code can neither see nor reach them; user addresses follow Linux's x86-64 layout (4-level
// paging, user space below 0x7fff_ffff_f000) so unmodified programs and ld.so behave as at home.
#pragma once

#include <cstdint>

namespace forkbox::kvm {

inline constexpr uint64_t kPageBytes = 4096;
inline constexpr uint64_t kLargePageBytes = 2ull << 20;

// Guest-physical layout of the reserved kernel area.
inline constexpr uint64_t kGdtPhys = 0x0000;
inline constexpr uint64_t kIdtPhys = 0x1000;
inline constexpr uint64_t kTssPhys = 0x2000;
inline constexpr uint64_t kKernelDataPhys = 0x2800;  // the #PF stub stores CR2 here
inline constexpr uint64_t kStubPhys = 0x3000;
inline constexpr uint64_t kKernelStackPhys = 0x4000;  // 16 KiB, grows down from 0x8000
inline constexpr uint64_t kKernelStackTopPhys = 0x8000;
inline constexpr uint64_t kReservedBytes = 0x8000;

// The reserved area is mapped supervisor-only at this virtual base (top 2 GiB).
inline constexpr uint64_t kKernelVirtBase = 0xffffffff80000000ull;
inline constexpr uint64_t kernel_virt(uint64_t phys) { return kKernelVirtBase + phys; }

// Stub entry points, as offsets into the stub page (see kernel_stub.cpp for the bytes).
inline constexpr uint64_t kSyscallEntryOffset = 0x00;   // store to the doorbell page; iretq
inline constexpr uint64_t kSyscallReturnOffset = 0x06;  // the iretq
inline constexpr uint64_t kFlushReturnOffset = 0x10;    // reload CR3 (flush TLB); iretq
inline constexpr uint64_t kVectorStubsOffset = 0x100;
inline constexpr uint64_t kVectorStubBytes = 32;
inline constexpr unsigned kVectorCount = 32;  // architectural exceptions only; no interrupts

// The system-call doorbell: a page mapped (user-accessible) at kDoorbellVirt to a
// guest-physical address outside guest RAM, so a store to it is an MMIO exit. A store works at
// any privilege level, which matters because this machine's hypervisor runs the `syscall` target
// without leaving user mode (where `out` would fault). Why 128 GiB: above any RAM slot (at most
// kMaxMemoryBytes + kReservedBytes) and below every x86-64 CPU's physical-address width.
inline constexpr uint64_t kDoorbellPhys = 128ull << 30;
inline constexpr uint64_t kDoorbellVirt = kKernelVirtBase + kReservedBytes;

// A one-page memory slot nothing maps. Deleting and re-adding it makes KVM drop every cached
// translation of the VM (including a shadow-paging hypervisor's shadow page tables), which is
// how page-table edits that take rights away become visible to the guest.
inline constexpr uint64_t kFlushSlotPhys = kDoorbellPhys + (1ull << 30);

// Ports the exception stubs write to (they run in kernel mode); the port names the vector.
inline constexpr uint16_t kExceptionPortBase = 0x20;  // + vector
inline constexpr unsigned kPageFaultVector = 14;

// GDT selectors (Linux's values, so a program inspecting %cs sees what it would at home).
inline constexpr uint16_t kKernelCs = 0x10;
inline constexpr uint16_t kKernelDs = 0x18;
inline constexpr uint16_t kUserDs = 0x2b;
inline constexpr uint16_t kUserCs = 0x33;
inline constexpr uint16_t kTssSelector = 0x40;
inline constexpr uint16_t kGdtLimit = 0x4f;

// Exception frame the CPU pushes on the kernel stack (with the error code, or the stub's zero).
inline constexpr uint64_t kExceptionFramePhys = kKernelStackTopPhys - 6 * 8;
// Interrupt-return frame the VMM writes for a system call return.
inline constexpr uint64_t kSyscallFramePhys = kKernelStackTopPhys - 5 * 8;

// x86-64 Linux user layout.
inline constexpr uint64_t kUserLow = 0x10000;            // Linux's default mmap_min_addr
inline constexpr uint64_t kUserTop = 0x7ffffffff000ull;  // TASK_SIZE with 4-level paging
inline constexpr uint64_t kStackTop = kUserTop;
inline constexpr uint64_t kStackGap = 128ull << 20;      // Linux keeps >= 128 MiB for the stack
inline constexpr uint64_t kMmapTop = kStackTop - kStackGap;
inline constexpr uint64_t kPieBase = 0x555555554000ull;
inline constexpr uint64_t kInterpBase = 0x7ffff7c00000ull;

// RFLAGS: bit 1 is reserved-one; IF as Linux user code runs.
inline constexpr uint64_t kUserRflags = 0x202;
// Bits of RFLAGS a user program may carry across a system call (arithmetic flags, TF, DF, AC,
// ID and the reserved one), so a hostile R11 can never raise IOPL or set VM/NT.
inline constexpr uint64_t kUserRflagsMask = 0x240fd5 | 0x2;

}  // namespace forkbox::kvm
