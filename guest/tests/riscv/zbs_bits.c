/* zbs_bits: the Zbs single-bit instructions (bclr, bset, binv, bext and their immediate forms
 * bclri, bseti, binvi, bexti) on every bit position 0..63, with register bit indexes taken
 * modulo 64 (index 64 acts on bit 0, -1 on bit 63). The asm enables Zbs locally so it runs in
 * every variant; the C bitset part is where the compiler emits Zbs in the _zba_zbb_zbs builds. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#define ZBS_RR(op, a, b)                                                                \
  ({                                                                                    \
    uint64_t r_;                                                                        \
    __asm__ volatile(".option push\n.option arch, +zbs\n" op " %0, %1, %2\n.option pop" \
                     : "=r"(r_)                                                         \
                     : "r"(a), "r"(b));                                                 \
    r_;                                                                                 \
  })
#define ZBS_RI(op, a, imm)                                                                    \
  ({                                                                                          \
    uint64_t r_;                                                                              \
    __asm__ volatile(".option push\n.option arch, +zbs\n" op " %0, %1, " #imm "\n.option pop" \
                     : "=r"(r_)                                                               \
                     : "r"(a));                                                               \
    r_;                                                                                       \
  })

static __attribute__((noinline)) uint64_t sieve_bits(uint64_t* words, unsigned limit) {
  for (unsigned i = 2; i * i < limit; ++i)
    if (!(words[i / 64] >> (i % 64) & 1))
      for (unsigned j = i * i; j < limit; j += i) words[j / 64] |= 1ULL << (j % 64);
  uint64_t primes = 0;
  for (unsigned i = 2; i < limit; ++i) primes += !(words[i / 64] >> (i % 64) & 1);
  return primes;
}

int main(void) {
  const uint64_t a = 0xa5a5a5a55a5a5a5aULL;
  uint64_t h_clr = 0, h_set = 0, h_inv = 0, h_ext = 0;
  for (uint64_t bit = 0; bit < 64; ++bit) {
    uint64_t clr = ZBS_RR("bclr", a, bit), set = ZBS_RR("bset", a, bit);
    uint64_t inv = ZBS_RR("binv", a, bit), ext = ZBS_RR("bext", a, bit);
    h_clr = h_clr * 31 + clr;
    h_set = h_set * 31 + set;
    h_inv = h_inv * 31 + inv;
    h_ext = h_ext << 1 | ext;
    if (bit % 9 == 0)
      printf("bit %2" PRIu64 ": bclr %016" PRIx64 " bset %016" PRIx64 " binv %016" PRIx64
             " bext %" PRIu64 "\n",
             bit, clr, set, inv, ext);
  }
  printf("hashes over 64 bits: bclr %016" PRIx64 " bset %016" PRIx64 " binv %016" PRIx64
         " bext bits %016" PRIx64 "\n",
         h_clr, h_set, h_inv, h_ext);
  static const uint64_t idx[] = {64, 65, 127, 0xffffffffffffffffULL, 0x8000000000000003ULL};
  for (size_t i = 0; i < sizeof idx / sizeof idx[0]; ++i)
    printf("index %016" PRIx64 ": bclr %016" PRIx64 " bset %016" PRIx64 " binv %016" PRIx64
           " bext %" PRIu64 "\n",
           idx[i], ZBS_RR("bclr", a, idx[i]), ZBS_RR("bset", a, idx[i]), ZBS_RR("binv", a, idx[i]),
           ZBS_RR("bext", a, idx[i]));
  printf("imm: bclri 63 %016" PRIx64 " bseti 0 %016" PRIx64 " binvi 31 %016" PRIx64
         " binvi 32 %016" PRIx64 " bexti 1 %" PRIu64 " bexti 63 %" PRIu64 "\n",
         ZBS_RI("bclri", a, 63), ZBS_RI("bseti", a, 0), ZBS_RI("binvi", a, 31),
         ZBS_RI("binvi", a, 32), ZBS_RI("bexti", a, 1), ZBS_RI("bexti", a, 63));
  static uint64_t words[1024];
  printf("compiled bitset sieve: %" PRIu64 " primes below 65536\n", sieve_bits(words, 65536));
  return 0;
}
