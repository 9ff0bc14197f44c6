/* Making code writable and rewriting it: W^X by mprotect (write, then flip to executable),
   a writable+executable mapping rewritten in place, patching the program's own text after
   mprotect, and (argv[1] == "write-rx") writing into code after it was made read+execute, which
   must be a memory fault. Each step prints the value the generated code returned; the expected
   output is "wx 7 42", "rwx 7 42", "text 99" on both engines, as on Linux. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__riscv)
/* addi a0, zero, v; ret */
static void emit(unsigned char* p, int v) {
  uint32_t li = ((uint32_t)v << 20) | (10u << 7) | 0x13u, ret = 0x00008067u;
  memcpy(p, &li, 4);
  memcpy(p + 4, &ret, 4);
}
static void sync_icache(void) { __asm__ volatile("fence.i" ::: "memory"); }
#else
/* mov eax, v; ret */
static void emit(unsigned char* p, int v) {
  p[0] = 0xb8;
  memcpy(p + 1, &v, 4);
  p[5] = 0xc3;
}
static void sync_icache(void) { __asm__ volatile("" ::: "memory"); }
#endif

typedef int (*fn)(void);

__attribute__((noinline, aligned(4096))) int patch_target(void) { return 1; }

int main(int argc, char** argv) {
  unsigned char* p = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 10;
  emit(p, 7);
  if (mprotect(p, 4096, PROT_READ | PROT_EXEC) != 0) return 11;
  sync_icache();
  int a = ((fn)p)();
  if (argc > 1 && strcmp(argv[1], "write-rx") == 0) {
    printf("wx %d\n", a);
    fflush(stdout);
    emit(p, 13); /* must fault: the page is read+execute now */
    printf("WROTE INTO READ-ONLY CODE\n");
    return 12;
  }
  if (mprotect(p, 4096, PROT_READ | PROT_WRITE) != 0) return 13;
  emit(p, 42);
  if (mprotect(p, 4096, PROT_READ | PROT_EXEC) != 0) return 14;
  sync_icache();
  printf("wx %d %d\n", a, ((fn)p)());

  unsigned char* q = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (q == MAP_FAILED) return 15;
  emit(q, 7);
  sync_icache();
  a = ((fn)q)();
  emit(q, 42);
  sync_icache();
  printf("rwx %d %d\n", a, ((fn)q)());

  unsigned char* text = (unsigned char*)((uintptr_t)&patch_target & ~(uintptr_t)4095);
  if (mprotect(text, 4096, PROT_READ | PROT_WRITE | PROT_EXEC) != 0) {
    printf("text mprotect refused errno=%d\n", errno);
    return 16;
  }
  emit((unsigned char*)&patch_target, 99);
  sync_icache();
  fn target = patch_target;
  __asm__ volatile("" : "+r"(target));
  printf("text %d\n", target());
  return 0;
}
