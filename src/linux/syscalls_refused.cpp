// System calls forkbox knows and deliberately refuses, because serving them would reach outside
// the sandbox: networking, new processes or programs, and access to other processes' memory.
// They are named (and counted by name) rather than left unknown, so statistics show a refused
// attempt as a policy decision, not as a gap.
//
// The errno is EPERM ("not permitted here"), which every libc passes through to the caller,
// with one exception: clone3 answers ENOSYS, because glibc falls back from clone3 to clone only
// on ENOSYS, and the fallback's EPERM is then the answer the program sees.
#include "linux/syscall_context.hpp"

namespace forkbox::os {

#define FORKBOX_REFUSE(name)                   \
  SyscallOutcome sys_##name(SyscallContext&) { \
    return fail(EPERM);                        \
  }

FORKBOX_REFUSE(socket)
FORKBOX_REFUSE(socketpair)
FORKBOX_REFUSE(connect)
FORKBOX_REFUSE(bind)
FORKBOX_REFUSE(listen)
FORKBOX_REFUSE(accept)
FORKBOX_REFUSE(accept4)
FORKBOX_REFUSE(execve)
FORKBOX_REFUSE(execveat)
FORKBOX_REFUSE(clone)
FORKBOX_REFUSE(fork)
FORKBOX_REFUSE(vfork)
FORKBOX_REFUSE(ptrace)
FORKBOX_REFUSE(process_vm_readv)
FORKBOX_REFUSE(process_vm_writev)

#undef FORKBOX_REFUSE

SyscallOutcome sys_clone3(SyscallContext&) {
  return fail(ENOSYS);
}

}  // namespace forkbox::os
