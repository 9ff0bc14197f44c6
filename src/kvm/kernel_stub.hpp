// The guest's entire kernel: a GDT, an IDT with the 32 architectural exception vectors, a TSS
// whose RSP0 is a small kernel stack, and a page of stub code. Every entry into kernel mode exits
// to the VMM within one or two instructions (an `out` to a port that names the cause) and goes
// back to user mode with `iretq`. Kernel-mode code is kept this small because this machine's
// hypervisor emulates guest CPL0 instruction by instruction (~3000x slower than native), and
// `sysretq` is not used because it triple-faults under that hypervisor.
#pragma once

#include <cstdint>

#include "kvm/page_tables.hpp"
#include "kvm/phys_memory.hpp"

namespace forkbox::kvm {

// Writes the tables and stub code into the reserved guest-physical area and maps that area,
// supervisor-only, at kKernelVirtBase. False when a page table cannot be allocated.
[[nodiscard]] bool install_kernel(PhysMemory& mem, PageTables& tables);

// True for the vectors where the CPU pushes an error code.
[[nodiscard]] bool vector_has_error_code(unsigned vector);

}  // namespace forkbox::kvm
