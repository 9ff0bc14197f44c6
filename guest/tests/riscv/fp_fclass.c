/* fp_fclass: fclass.s and fclass.d on one value of each of the ten classes (-inf, negative
 * normal, negative subnormal, -0, +0, positive subnormal, positive normal, +inf, signalling
 * NaN, quiet NaN), on boundary encodings (largest subnormal, smallest normal, NaN with the
 * quiet bit only, all-ones), and on values produced by arithmetic. Exactly one bit must be set;
 * fclass never raises flags. */
#include "rv_test.h"

#define CLASS_D(bits)                                                           \
  ({                                                                            \
    uint64_t r_;                                                                \
    __asm__ volatile("fclass.d %0, %1" : "=r"(r_) : "f"(rv_d_from_bits(bits))); \
    r_;                                                                         \
  })
#define CLASS_S(bits)                                                           \
  ({                                                                            \
    uint64_t r_;                                                                \
    __asm__ volatile("fclass.s %0, %1" : "=r"(r_) : "f"(rv_f_from_bits(bits))); \
    r_;                                                                         \
  })

int main(void) {
  static const uint64_t ds[] = {
      0xfff0000000000000ULL, 0xbff0000000000000ULL, 0x8000000000000001ULL, 0x8000000000000000ULL,
      0x0000000000000000ULL, 0x000fffffffffffffULL, 0x0010000000000000ULL, 0x7fefffffffffffffULL,
      0x7ff0000000000000ULL, 0x7ff0000000000001ULL, 0x7ff7ffffffffffffULL, 0x7ff8000000000000ULL,
      0xfff8000000000000ULL, 0xffffffffffffffffULL, 0x800fffffffffffffULL};
  static const uint32_t ss[] = {0xff800000u, 0xbf800000u, 0x80000001u, 0x80000000u, 0x00000000u,
                                0x007fffffu, 0x00800000u, 0x7f7fffffu, 0x7f800000u, 0x7f800001u,
                                0x7fbfffffu, 0x7fc00000u, 0xffc00000u, 0xffffffffu, 0x807fffffu};
  rv_clear_fflags();
  for (size_t i = 0; i < sizeof ds / sizeof ds[0]; ++i)
    printf("fclass.d %016" PRIx64 " = %03" PRIx64 "\n", ds[i], CLASS_D(ds[i]));
  for (size_t i = 0; i < sizeof ss / sizeof ss[0]; ++i)
    printf("fclass.s %08" PRIx32 " = %03" PRIx64 "\n", ss[i], CLASS_S(ss[i]));
  printf("flags after fclass: %s\n", rv_flag_names(rv_read_fflags()));
  volatile double tiny = 0x1p-1070, big = 0x1p1023;
  double prod = tiny * 0.5, sum = big + big, neg_zero = -tiny * 0x1p-60;
  uint64_t c1, c2, c3;
  __asm__ volatile("fclass.d %0, %1" : "=r"(c1) : "f"(prod));
  __asm__ volatile("fclass.d %0, %1" : "=r"(c2) : "f"(sum));
  __asm__ volatile("fclass.d %0, %1" : "=r"(c3) : "f"(neg_zero));
  printf("computed subnormal %03" PRIx64 " overflow %03" PRIx64 " underflow to -0 %03" PRIx64 "\n",
         c1, c2, c3);
  return 0;
}
