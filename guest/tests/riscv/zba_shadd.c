/* zba_shadd: the Zba address-generation instructions (sh1add, sh2add, sh3add, add.uw,
 * sh1add.uw, sh2add.uw, sh3add.uw, slli.uw, and zext.w as add.uw rd, rs, zero) on edge values,
 * where the .uw forms must zero-extend the low 32 bits of rs1 before shifting. The asm enables
 * Zba locally, so the instructions run in every build variant; the C part (array indexing with
 * 32-bit unsigned indices) is where the compiler itself emits Zba in the _zba_zbb_zbs builds. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#define ZBA_RR(op, a, b)                                                                \
  ({                                                                                    \
    uint64_t r_;                                                                        \
    __asm__ volatile(".option push\n.option arch, +zba\n" op " %0, %1, %2\n.option pop" \
                     : "=r"(r_)                                                         \
                     : "r"(a), "r"(b));                                                 \
    r_;                                                                                 \
  })
#define SLLI_UW(a, sh)                                                                        \
  ({                                                                                          \
    uint64_t r_;                                                                              \
    __asm__ volatile(".option push\n.option arch, +zba\nslli.uw %0, %1, " #sh "\n.option pop" \
                     : "=r"(r_)                                                               \
                     : "r"(a));                                                               \
    r_;                                                                                       \
  })

static uint64_t table[1024];

static __attribute__((noinline)) uint64_t gather(const uint64_t* base, const uint32_t* idx, int n) {
  uint64_t s = 0;
  for (int i = 0; i < n; ++i) s += base[idx[i]] + (uint64_t)idx[i] * 3;
  return s;
}

int main(void) {
  static const uint64_t as[] = {0,
                                1,
                                0x7fffffff,
                                0x80000000,
                                0xffffffff,
                                0x100000001ULL,
                                0xfffffffffffffffeULL,
                                0x8000000000000000ULL,
                                0x123456789abcdef0ULL};
  static const uint64_t bs[] = {0, 0x1000, 0xffffffffffffffffULL};
  for (size_t i = 0; i < sizeof as / sizeof as[0]; ++i) {
    uint64_t a = as[i];
    printf("a=%016" PRIx64 " slli.uw 0 %016" PRIx64 " 1 %016" PRIx64 " 31 %016" PRIx64
           " 63 %016" PRIx64 " zext.w %016" PRIx64 "\n",
           a, SLLI_UW(a, 0), SLLI_UW(a, 1), SLLI_UW(a, 31), SLLI_UW(a, 63),
           ZBA_RR("add.uw", a, (uint64_t)0));
    for (size_t j = 0; j < sizeof bs / sizeof bs[0]; ++j) {
      uint64_t b = bs[j];
      printf("  b=%016" PRIx64 " sh1add %016" PRIx64 " sh2add %016" PRIx64 " sh3add %016" PRIx64
             "\n",
             b, ZBA_RR("sh1add", a, b), ZBA_RR("sh2add", a, b), ZBA_RR("sh3add", a, b));
      printf("                     add.uw %016" PRIx64 " sh1add.uw %016" PRIx64
             " sh2add.uw %016" PRIx64 " sh3add.uw %016" PRIx64 "\n",
             ZBA_RR("add.uw", a, b), ZBA_RR("sh1add.uw", a, b), ZBA_RR("sh2add.uw", a, b),
             ZBA_RR("sh3add.uw", a, b));
    }
  }
  for (int i = 0; i < 1024; ++i) table[i] = (uint64_t)i * 0x9e3779b97f4a7c15ULL;
  uint32_t idx[4096];
  for (int i = 0; i < 4096; ++i) idx[i] = (uint32_t)(i * 37 + 11) & 1023;
  printf("gather checksum %016" PRIx64 "\n", gather(table, idx, 4096));
  return 0;
}
