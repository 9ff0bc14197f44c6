/* amo_all: every A-extension AMO (swap, add, xor, and, or, min, max, minu, maxu) in both
 * widths (.w results are sign-extended old values; the memory word next to a .w target must be
 * untouched), with each ordering suffix (none, .aq, .rl, .aqrl), rd == x0 (result discarded
 * but memory still updated), and rd equal to the source register. Prints old values and
 * memory after each operation. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#define AMO(op, addr, src)                                                               \
  ({                                                                                     \
    uint64_t old_;                                                                       \
    __asm__ volatile(op " %0, %2, (%1)" : "=&r"(old_) : "r"(addr), "r"(src) : "memory"); \
    old_;                                                                                \
  })

static uint64_t mem64[4] __attribute__((aligned(16)));
static uint32_t mem32[4] __attribute__((aligned(16)));

#define RUN_D(op, init, src)                                                                   \
  do {                                                                                         \
    mem64[1] = (init);                                                                         \
    uint64_t o_ = AMO(op, &mem64[1], (uint64_t)(src));                                         \
    printf("%-16s mem %016" PRIx64 " src %016" PRIx64 " -> old %016" PRIx64 " new %016" PRIx64 \
           "\n",                                                                               \
           op, (uint64_t)(init), (uint64_t)(src), o_, mem64[1]);                               \
  } while (0)

#define RUN_W(op, init, src)                                                                 \
  do {                                                                                       \
    mem32[0] = 0xa5a5a5a5u;                                                                  \
    mem32[1] = (init);                                                                       \
    mem32[2] = 0x5a5a5a5au;                                                                  \
    uint64_t o_ = AMO(op, &mem32[1], (uint64_t)(src));                                       \
    printf("%-16s mem %08" PRIx32 " src %016" PRIx64 " -> old %016" PRIx64 " new %08" PRIx32 \
           " neighbours %s\n",                                                               \
           op, (uint32_t)(init), (uint64_t)(src), o_, mem32[1],                              \
           mem32[0] == 0xa5a5a5a5u && mem32[2] == 0x5a5a5a5au ? "ok" : "CLOBBERED");         \
  } while (0)

int main(void) {
  static const uint64_t d_init[] = {5, 0x8000000000000000ULL, (uint64_t)-3, 0x7fffffffffffffffULL};
  static const uint64_t d_src[] = {7, (uint64_t)-1, 0x8000000000000001ULL, 0};
  for (size_t i = 0; i < 4; ++i) {
    uint64_t a = d_init[i], b = d_src[i];
    RUN_D("amoswap.d", a, b);
    RUN_D("amoadd.d", a, b);
    RUN_D("amoxor.d", a, b);
    RUN_D("amoand.d", a, b);
    RUN_D("amoor.d", a, b);
    RUN_D("amomin.d", a, b);
    RUN_D("amomax.d", a, b);
    RUN_D("amominu.d", a, b);
    RUN_D("amomaxu.d", a, b);
  }
  static const uint32_t w_init[] = {5, 0x80000000u, 0xfffffffdu, 0x7fffffffu};
  static const uint64_t w_src[] = {7, 0xffffffffffffffffULL, 0x0000000180000001ULL,
                                   0xffffffff00000000ULL};
  for (size_t i = 0; i < 4; ++i) {
    uint32_t a = w_init[i];
    uint64_t b = w_src[i];
    RUN_W("amoswap.w", a, b);
    RUN_W("amoadd.w", a, b);
    RUN_W("amoxor.w", a, b);
    RUN_W("amoand.w", a, b);
    RUN_W("amoor.w", a, b);
    RUN_W("amomin.w", a, b);
    RUN_W("amomax.w", a, b);
    RUN_W("amominu.w", a, b);
    RUN_W("amomaxu.w", a, b);
  }
  RUN_D("amoadd.d.aq", 10, 20);
  RUN_D("amoadd.d.rl", 10, 20);
  RUN_D("amoadd.d.aqrl", 10, 20);
  RUN_W("amoswap.w.aq", 1, 2);
  RUN_W("amoor.w.rl", 1, 2);
  RUN_W("amomaxu.w.aqrl", 1, 0xfffffffeu);
  mem64[1] = 100;
  __asm__ volatile("amoadd.d zero, %1, (%0)" : : "r"(&mem64[1]), "r"((uint64_t)23) : "memory");
  printf("amoadd.d with rd=zero: memory %" PRIu64 "\n", mem64[1]);
  mem64[1] = 40;
  uint64_t reg = 2;
  __asm__ volatile("amoadd.d %0, %0, (%1)" : "+r"(reg) : "r"(&mem64[1]) : "memory");
  printf("amoadd.d rd==rs2: old %" PRIu64 " memory %" PRIu64 "\n", reg, mem64[1]);
  /* A counter bumped by amoadd in a loop, as a lock-free counter would be. */
  mem64[2] = 0;
  for (int i = 0; i < 1000; ++i) (void)AMO("amoadd.d.aqrl", &mem64[2], (uint64_t)i);
  printf("amoadd loop total %" PRIu64 "\n", mem64[2]);
  /* C11 atomics compile to these instructions too. */
  _Atomic int counter = 0;
  for (int i = 0; i < 100; ++i) __atomic_fetch_add(&counter, 3, __ATOMIC_SEQ_CST);
  int expected = 300;
  int swapped =
      __atomic_compare_exchange_n(&counter, &expected, -1, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
  printf("C11 atomics: cas %s, value %d\n", swapped ? "succeeded" : "failed", counter);
  return 0;
}
