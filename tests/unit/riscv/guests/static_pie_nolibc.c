/* A static position-independent executable without libc (Debian's riscv64 cross glibc ships no
   rcrt1.o, so glibc static-PIE cannot be linked here): loaded as ET_DYN at a load bias, it
   writes its own address-relative data and exits with the argument count. */
static const char message[] = "static-pie ok\n";

static long sys3(long n, long a, long b, long c) {
  register long a0 __asm__("a0") = a;
  register long a1 __asm__("a1") = b;
  register long a2 __asm__("a2") = c;
  register long a7 __asm__("a7") = n;
  __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
  return a0;
}

void _start_c(long* sp) {
  long argc = sp[0];
  sys3(64 /* write */, 1, (long)message, sizeof message - 1);
  sys3(93 /* exit */, argc, 0, 0);
}

__asm__(".global _start\n_start:\n  mv a0, sp\n  call _start_c\n");
