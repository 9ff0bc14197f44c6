/* A loop that stores into the very code page it is executing, forever: every store invalidates
   the decoded (riscv) or cached (x86) code it runs from. The instruction budget or deadline
   must still end it promptly with a timeout. */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__riscv)
/* loop: sw zero, 256(a0); j loop */
static const uint32_t kLoop[] = {0x10052023u, 0xffdff06fu};
#else
/* loop: movl $0, 256(%rdi); jmp loop */
static const uint8_t kLoop[] = {0xc7, 0x87, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                0xeb, 0xf4};
#endif

int main(void) {
  unsigned char* page = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (page == MAP_FAILED) return 1;
  memcpy(page, kLoop, sizeof(kLoop));
#if defined(__riscv)
  __asm__ volatile("fence.i" ::: "memory");
#endif
  ((void (*)(void*))page)(page);
  return 2;
}
