/* ecall_raw: system calls issued directly with ecall (a7 = number, a0..a5 = arguments, result
 * in a0 as a negative errno on failure), bypassing libc: write to stdout, write to a bad fd
 * (-EBADF), an unknown syscall number (-ENOSYS), getpid/gettid agreeing for a single thread,
 * a partial write length, a write with a bad buffer pointer (-EFAULT), and that the caller's
 * other registers survive the call. Ends with a raw exit_group(5). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static long raw_syscall3(long nr, long a0, long a1, long a2) {
  register long r_a0 __asm__("a0") = a0;
  register long r_a1 __asm__("a1") = a1;
  register long r_a2 __asm__("a2") = a2;
  register long r_a7 __asm__("a7") = nr;
  __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a2), "r"(r_a7) : "memory");
  return r_a0;
}

enum { kWrite = 64, kExitGroup = 94, kGetpid = 172, kGettid = 178 };

int main(void) {
  fflush(stdout);
  const char msg[] = "raw write via ecall\n";
  long n = raw_syscall3(kWrite, 1, (long)msg, (long)strlen(msg));
  printf("write returned %ld\n", n);
  fflush(stdout);
  n = raw_syscall3(kWrite, 1, (long)msg, 4);
  printf("\npartial write returned %ld\n", n);
  printf("write to fd 99: %s\n",
         raw_syscall3(kWrite, 99, (long)msg, 1) == -EBADF ? "-EBADF" : "other");
  printf("write from a bad pointer: %s\n",
         raw_syscall3(kWrite, 1, 16, 8) == -EFAULT ? "-EFAULT" : "other");
  printf("syscall 4000: %s\n", raw_syscall3(4000, 0, 0, 0) == -ENOSYS ? "-ENOSYS" : "other");
  printf("syscall -1: %s\n", raw_syscall3(-1, 0, 0, 0) == -ENOSYS ? "-ENOSYS" : "other");
  long pid = raw_syscall3(kGetpid, 0, 0, 0), tid = raw_syscall3(kGettid, 0, 0, 0);
  printf("getpid > 0: %s, gettid == getpid: %s\n", pid > 0 ? "yes" : "no",
         pid == tid ? "yes" : "no");
  uint64_t s1, t3, a3_after;
  __asm__ volatile(
      "li s1, 0x5151\n li t3, 0x7373\n li a3, 0x3333\n"
      "li a7, 172\n ecall\n"
      "mv %0, s1\n mv %1, t3\n mv %2, a3"
      : "=r"(s1), "=r"(t3), "=r"(a3_after)
      :
      : "s1", "t3", "a0", "a3", "a7", "memory");
  printf("registers preserved across ecall: s1 %s t3 %s a3 %s\n", s1 == 0x5151 ? "yes" : "no",
         t3 == 0x7373 ? "yes" : "no", a3_after == 0x3333 ? "yes" : "no");
  fflush(stdout);
  raw_syscall3(kExitGroup, 5, 0, 0);
  printf("not reached\n");
  return 1;
}
