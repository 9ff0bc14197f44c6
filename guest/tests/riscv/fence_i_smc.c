/* fence_i_smc: self-modifying code with Zifencei. Machine code is written into an RWX
 * anonymous mapping, run, rewritten in place (the immediate of an addi, then a whole new
 * instruction sequence including compressed instructions), made visible with fence.i, and run
 * again; an emulator that caches decoded instructions must notice the stores. Also generates
 * and calls 256 small functions in turn in one buffer. Results are printed, never addresses. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

typedef uint64_t (*Fn)(uint64_t);

/* I-type encoder for addi rd, rs1, imm (12-bit signed immediate). */
static uint32_t addi(unsigned rd, unsigned rs1, int32_t imm) {
  return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | 0u << 12 | rd << 7 | 0x13;
}
static uint32_t slli(unsigned rd, unsigned rs1, unsigned sh) {
  return sh << 20 | rs1 << 15 | 1u << 12 | rd << 7 | 0x13;
}
static const uint32_t kRet = 0x00008067; /* jalr x0, 0(ra) */
enum { A0 = 10 };

static void fence_i(void) {
  __asm__ volatile("fence.i" : : : "memory");
}

int main(void) {
  size_t size = 65536;
  uint8_t* mem =
      mmap(NULL, size, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mem == MAP_FAILED) {
    printf("mmap RWX failed\n");
    return 1;
  }
  uint32_t* code = (uint32_t*)mem;
  code[0] = addi(A0, A0, 5);
  code[1] = kRet;
  fence_i();
  Fn f = (Fn)(void*)mem;
  printf("a0 + 5: %llu\n", (unsigned long long)f(10));
  uint64_t total = 0;
  for (int32_t k = -100; k <= 100; ++k) {
    code[0] = addi(A0, A0, k);
    fence_i();
    total += f(1000);
  }
  printf("rewritten immediate 201 times, sum of results %llu\n", (unsigned long long)total);
  /* Replace with a longer sequence: a0 = (a0 << 3) + 7, then compressed c.addi a0, 1 + c.jr ra. */
  code[0] = slli(A0, A0, 3);
  code[1] = addi(A0, A0, 7);
  uint16_t* half = (uint16_t*)&code[2];
  half[0] = 0x0505; /* c.addi a0, 1 */
  half[1] = 0x8082; /* c.jr ra (ret) */
  fence_i();
  printf("(a0 << 3) + 7 + 1 with compressed tail: %llu\n", (unsigned long long)f(4));
  /* 256 tiny functions at 16-byte spacing, each returning a0 * 2 + i (i < 256). */
  for (int i = 0; i < 256; ++i) {
    uint32_t* p = (uint32_t*)(mem + 4096 + (size_t)i * 16);
    p[0] = slli(A0, A0, 1);
    p[1] = addi(A0, A0, i);
    p[2] = kRet;
  }
  fence_i();
  uint64_t acc = 1;
  for (int round = 0; round < 4; ++round)
    for (int i = 0; i < 256; ++i) acc = ((Fn)(void*)(mem + 4096 + (size_t)i * 16))(acc) % 1000003;
  printf("chained 1024 generated calls: %llu\n", (unsigned long long)acc);
  /* Overwrite the middle of one function that has already run many times. */
  uint32_t* p = (uint32_t*)(mem + 4096 + 7 * 16);
  p[1] = addi(A0, A0, -100);
  fence_i();
  printf("patched function 7: %llu\n",
         (unsigned long long)((Fn)(void*)(mem + 4096 + 7 * 16))(1000));
  munmap(mem, size);
  return 0;
}
