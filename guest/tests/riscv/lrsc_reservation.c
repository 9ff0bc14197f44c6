/* lrsc_reservation: LR/SC semantics a single hart can observe: lr.w sign-extends; sc after a
 * matching lr succeeds (rd = 0) and stores; a second sc without a new lr fails (rd != 0) and
 * does not store; a system call between lr and sc clears the reservation (Linux does so on
 * every trap return); sc to a different address than the reservation fails; lr.d/sc.d on
 * doublewords; and compare-and-swap and fetch-and-multiply loops built from lr/sc, which must
 * make progress. Failure codes are printed only as zero/non-zero, since the
 * ISA only defines non-zero. (A plain store between lr and sc is left out: the ISA lets an
 * implementation choose whether it breaks the reservation.) */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

/* 128-byte aligned so d[0] and d[8] sit in different 64-byte lines: an sc to d[8] after an lr
 * of d[0] is outside any plausible reservation set. */
static uint64_t d[16] __attribute__((aligned(128)));
static uint32_t w[4] __attribute__((aligned(16)));

static uint64_t cas_d(uint64_t* p, uint64_t expected, uint64_t desired) {
  uint64_t old, fail;
  __asm__ volatile(
      "1: lr.d.aqrl %0, (%2)\n"
      "   bne %0, %3, 2f\n"
      "   sc.d.aqrl %1, %4, (%2)\n"
      "   bnez %1, 1b\n"
      "2:"
      : "=&r"(old), "=&r"(fail)
      : "r"(p), "r"(expected), "r"(desired)
      : "memory");
  return old;
}

static uint32_t fetch_mul_w(uint32_t* p, uint32_t k) {
  uint64_t old, tmp, fail;
  __asm__ volatile(
      "1: lr.w %0, (%3)\n"
      "   mulw %1, %0, %4\n"
      "   sc.w %2, %1, (%3)\n"
      "   bnez %2, 1b"
      : "=&r"(old), "=&r"(tmp), "=&r"(fail)
      : "r"(p), "r"((uint64_t)k)
      : "memory");
  return (uint32_t)old;
}

int main(void) {
  w[1] = 0x80000001u;
  uint64_t v, rc, rc2;
  __asm__ volatile("lr.w %0, (%3)\n sc.w %1, %4, (%3)\n sc.w %2, %5, (%3)"
                   : "=&r"(v), "=&r"(rc), "=&r"(rc2)
                   : "r"(&w[1]), "r"((uint64_t)0x1234), "r"((uint64_t)0x5678)
                   : "memory");
  printf("lr.w sign-extends: %016" PRIx64 "\n", v);
  printf("sc.w right after lr.w: %s; second sc.w: %s; memory %08" PRIx32 "\n",
         rc == 0 ? "success" : "failure", rc2 == 0 ? "success" : "failure", w[1]);
  /* A system call between lr and sc: Linux clears the reservation on every return from a
   * trap, so the sc must fail. */
  __asm__ volatile("lr.w %0, (%1)" : "=r"(v) : "r"(&w[1]) : "memory");
  printf("a write(2) between lr.w and sc.w\n");
  fflush(stdout);
  __asm__ volatile("sc.w %0, %2, (%1)" : "=r"(rc) : "r"(&w[1]), "r"((uint64_t)0x9abc) : "memory");
  printf("sc.w after the syscall: %s, memory %08" PRIx32 "\n", rc == 0 ? "success" : "failure",
         w[1]);

  d[0] = 11;
  d[8] = 22;
  __asm__ volatile("lr.d %0, (%1)" : "=r"(v) : "r"(&d[0]) : "memory");
  __asm__ volatile("sc.d %0, %2, (%1)" : "=r"(rc) : "r"(&d[8]), "r"((uint64_t)99) : "memory");
  printf("sc.d to another address: %s, memory %" PRIu64 " %" PRIu64 "\n",
         rc == 0 ? "success" : "failure", d[0], d[8]);

  d[1] = 0xfedcba9876543210ULL;
  __asm__ volatile("lr.d.aq %0, (%3)\n sc.d.rl %1, %4, (%3)\n sc.d %2, %4, (%3)"
                   : "=&r"(v), "=&r"(rc), "=&r"(rc2)
                   : "r"(&d[1]), "r"((uint64_t)0x0123456789abcdefULL)
                   : "memory");
  printf("lr.d %016" PRIx64 ", sc.d %s, repeated sc.d %s, memory %016" PRIx64 "\n", v,
         rc == 0 ? "success" : "failure", rc2 == 0 ? "success" : "failure", d[1]);

  d[3] = 5;
  printf("cas 5->6 saw %" PRIu64 ", cas 5->7 saw %" PRIu64 ", memory %" PRIu64 "\n",
         cas_d(&d[3], 5, 6), cas_d(&d[3], 5, 7), d[3]);
  uint64_t sum = 0;
  for (uint64_t i = 0; i < 500; ++i) {
    uint64_t cur = d[3];
    while (cas_d(&d[3], cur, cur + i) != cur) cur = d[3];
    sum += i;
  }
  printf("cas loop: memory %" PRIu64 " expected %" PRIu64 "\n", d[3], sum + 6);
  w[2] = 1;
  for (int i = 0; i < 20; ++i) (void)fetch_mul_w(&w[2], 3);
  printf("fetch_mul_w 3^20 mod 2^32 = %" PRIu32 "\n", w[2]);
  return 0;
}
