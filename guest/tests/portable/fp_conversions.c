/* fp_conversions: in-range conversions between every integer width and float/double (both
 * directions, signed and unsigned), with truncation toward zero for C casts, large 64-bit
 * integers that need rounding into double/float, float<->double widening/narrowing including
 * subnormals and infinities, and the boundary values just inside the integer ranges. Values out
 * of range are undefined in C and target-specific, so they live in riscv/fp_fcvt_saturation.c. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t dbits(double d) {
  uint64_t u;
  memcpy(&u, &d, sizeof u);
  return u;
}
static uint32_t fbits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  return u;
}

int main(void) {
  static volatile double ds[] = {0.0,
                                 -0.0,
                                 0.5,
                                 -0.5,
                                 0.999999,
                                 1.0,
                                 -1.9,
                                 2.5,
                                 123.75,
                                 -2147483648.0,
                                 2147483647.0,
                                 2147483647.9,
                                 -2147483648.9,
                                 4294967295.0,
                                 9223372036854774784.0,
                                 -9223372036854775808.0,
                                 18446744073709549568.0,
                                 1e15 + 0.3};
  for (size_t i = 0; i < sizeof ds / sizeof ds[0]; ++i) {
    double d = ds[i];
    printf("%.17g:", d);
    if (d > -2147483649.0 && d < 2147483648.0) printf(" i32 %" PRId32, (int32_t)d);
    if (d > -1.0 && d < 4294967296.0) printf(" u32 %" PRIu32, (uint32_t)d);
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0)
      printf(" i64 %" PRId64, (int64_t)d);
    if (d > -1.0 && d < 18446744073709551616.0) printf(" u64 %" PRIu64, (uint64_t)d);
    if (d > -129.0 && d < 128.0) printf(" i8 %d", (int8_t)d);
    float f = (float)d;
    printf(" f %08" PRIx32 " back %016" PRIx64 "\n", fbits(f), dbits((double)f));
  }
  static volatile int64_t is[] = {0,         1,         -1,
                                  16777217,  -16777217, 9007199254740993LL,
                                  INT64_MAX, INT64_MIN, 0x7fffffffffffff01LL,
                                  123456789};
  for (size_t i = 0; i < sizeof is / sizeof is[0]; ++i) {
    int64_t v = is[i];
    printf("i64 %" PRId64 " -> d %016" PRIx64 " f %08" PRIx32 " (i32 %" PRId32 ") -> d %016" PRIx64
           " f %08" PRIx32 "\n",
           v, dbits((double)v), fbits((float)v), (int32_t)v, dbits((double)(int32_t)v),
           fbits((float)(int32_t)v));
  }
  static volatile uint64_t us[] = {0,
                                   1,
                                   0x8000000000000000ULL,
                                   UINT64_MAX,
                                   0xfffffffffffff800ULL,
                                   0x8000000000000401ULL,
                                   4294967295ULL,
                                   0x80000001ULL};
  for (size_t i = 0; i < sizeof us / sizeof us[0]; ++i) {
    uint64_t v = us[i];
    printf("u64 %" PRIu64 " -> d %016" PRIx64 " f %08" PRIx32 " (u32 %" PRIu32 ") -> d %016" PRIx64
           " f %08" PRIx32 "\n",
           v, dbits((double)v), fbits((float)v), (uint32_t)v, dbits((double)(uint32_t)v),
           fbits((float)(uint32_t)v));
  }
  static volatile double narrow[] = {1e-40,   1e-46, 3.4028235677973366e38, 3.4028236e38,
                                     1e39,    -1e39, 1.0000000596046448,    1.0000000596046449,
                                     INFINITY};
  for (size_t i = 0; i < sizeof narrow / sizeof narrow[0]; ++i)
    printf("narrow %.17g -> %08" PRIx32 "\n", narrow[i], fbits((float)narrow[i]));
  static volatile float widen[] = {1e-45f, 1.17549435e-38f, 3.4028235e38f, -0.0f, 0.1f};
  for (size_t i = 0; i < sizeof widen / sizeof widen[0]; ++i)
    printf("widen %08" PRIx32 " -> %016" PRIx64 "\n", fbits(widen[i]), dbits((double)widen[i]));
  volatile float fnan = NAN;
  printf("nan widens to nan: %s, narrows to nan: %s\n", isnan((double)fnan) ? "yes" : "no",
         isnan((float)(double)fnan) ? "yes" : "no");
  return 0;
}
