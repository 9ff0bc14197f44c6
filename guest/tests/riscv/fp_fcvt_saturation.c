/* fp_fcvt_saturation: FP-to-integer conversions at and beyond the integer ranges, where
 * RISC-V saturates instead of returning x86's "integer indefinite": NaN converts to the largest
 * positive value, +inf and too-large values to the maximum, -inf and too-small values to the
 * minimum (0 for unsigned), all with NV; in-range values that round are only NX (including
 * -0.9 to unsigned under RTZ, which rounds to 0 and is in range). 32-bit results are
 * sign-extended into the 64-bit register, even for fcvt.wu.*. Also integer-to-FP conversion
 * of the range limits. */
#include "rv_test.h"

#define CVT(insn, x)                                                                 \
  do {                                                                               \
    uint64_t r_;                                                                     \
    rv_clear_fflags();                                                               \
    __asm__ volatile(insn " %0, %1, rtz" : "=r"(r_) : "f"(x));                       \
    printf(" %s=%016" PRIx64 "[%s]", insn + 5, r_, rv_flag_names(rv_read_fflags())); \
  } while (0)

int main(void) {
  static const uint64_t ds[] = {0x7ff8000000000000ULL,
                                0xfff8000000000000ULL,
                                0x7ff0000000000001ULL,
                                0x7ff0000000000000ULL,
                                0xfff0000000000000ULL,
                                0x43e0000000000000ULL /* 2^63 */,
                                0xc3e0000000000000ULL /* -2^63 */,
                                0xc3e0000000000001ULL,
                                0x43f0000000000000ULL /* 2^64 */,
                                0x41dfffffffc00000ULL /* 2^31-1 */,
                                0x41e0000000000000ULL /* 2^31 */,
                                0xc1e0000000000000ULL /* -2^31 */,
                                0xc1e0000000200000ULL /* -2^31-1 */,
                                0x41efffffffe00000ULL /* 2^32-1 */,
                                0x41f0000000000000ULL /* 2^32 */,
                                0xbfeccccccccccccdULL /* -0.9 */,
                                0xbff0000000000000ULL /* -1 */,
                                0x8000000000000000ULL /* -0 */,
                                0x3fe0000000000000ULL /* 0.5 */,
                                0x43efffffffffffffULL /* largest below 2^64 */};
  for (size_t i = 0; i < sizeof ds / sizeof ds[0]; ++i) {
    double d = rv_d_from_bits(ds[i]);
    printf("d %016" PRIx64 ":", ds[i]);
    CVT("fcvt.w.d", d);
    CVT("fcvt.wu.d", d);
    printf("\n                   ");
    CVT("fcvt.l.d", d);
    CVT("fcvt.lu.d", d);
    printf("\n");
  }
  static const uint32_t ss[] = {0x7fc00000u,
                                0xff800000u,
                                0x7f800000u,
                                0x4f000000u /* 2^31 */,
                                0xcf000000u /* -2^31 */,
                                0x4f800000u /* 2^32 */,
                                0x5f000000u /* 2^63 */,
                                0xdf000001u,
                                0x5f800000u /* 2^64 */,
                                0xbf666666u /* -0.9 */,
                                0x3fc00000u /* 1.5 */};
  for (size_t i = 0; i < sizeof ss / sizeof ss[0]; ++i) {
    float f = rv_f_from_bits(ss[i]);
    printf("s %08" PRIx32 ":", ss[i]);
    CVT("fcvt.w.s", f);
    CVT("fcvt.wu.s", f);
    printf("\n          ");
    CVT("fcvt.l.s", f);
    CVT("fcvt.lu.s", f);
    printf("\n");
  }
  static const uint64_t ints[] = {
      0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xffffffffffffffffULL, 0x000000007fffffffULL,
      0x0000000080000000ULL, 0xffffffff80000000ULL, 0x0020000000000001ULL};
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; ++i) {
    uint64_t x = ints[i];
    double dl, dlu, dw, dwu;
    float sl, slu, sw, swu;
    rv_clear_fflags();
    __asm__ volatile("fcvt.d.l %0, %1" : "=f"(dl) : "r"(x));
    __asm__ volatile("fcvt.d.lu %0, %1" : "=f"(dlu) : "r"(x));
    __asm__ volatile("fcvt.d.w %0, %1" : "=f"(dw) : "r"(x));
    __asm__ volatile("fcvt.d.wu %0, %1" : "=f"(dwu) : "r"(x));
    __asm__ volatile("fcvt.s.l %0, %1" : "=f"(sl) : "r"(x));
    __asm__ volatile("fcvt.s.lu %0, %1" : "=f"(slu) : "r"(x));
    __asm__ volatile("fcvt.s.w %0, %1" : "=f"(sw) : "r"(x));
    __asm__ volatile("fcvt.s.wu %0, %1" : "=f"(swu) : "r"(x));
    printf("int %016" PRIx64 ": d.l %016" PRIx64 " d.lu %016" PRIx64 " d.w %016" PRIx64
           " d.wu %016" PRIx64 " s.l %08" PRIx32 " s.lu %08" PRIx32 " s.w %08" PRIx32
           " s.wu %08" PRIx32 " [%s]\n",
           x, rv_bits_from_d(dl), rv_bits_from_d(dlu), rv_bits_from_d(dw), rv_bits_from_d(dwu),
           rv_bits_from_f(sl), rv_bits_from_f(slu), rv_bits_from_f(sw), rv_bits_from_f(swu),
           rv_flag_names(rv_read_fflags()));
  }
  return 0;
}
