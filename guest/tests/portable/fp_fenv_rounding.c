/* fp_fenv_rounding: the four C rounding modes set with fesetround (RISC-V writes them to frm and
 * every dynamic-rounding instruction obeys it): add/sub/mul/div/sqrt of values that are not
 * exactly representable, float and double, conversions to integer with lrint/llrint and
 * rint/nearbyint, and float<->double narrowing. Results are printed as exact bit patterns, so
 * each mode shows its own distinct last bit. Operands are volatile so the compiler cannot fold
 * the arithmetic at compile time in the default mode. */
#include <fenv.h>
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
  static const struct {
    int mode;
    const char* name;
  } modes[] = {{FE_TONEAREST, "nearest"},
               {FE_TOWARDZERO, "toward-zero"},
               {FE_DOWNWARD, "downward"},
               {FE_UPWARD, "upward"}};
  volatile double one = 1.0, three = 3.0, ten = 10.0, two = 2.0, tiny = 0x1p-60;
  volatile double neg = -1.0;
  volatile float fone = 1.0f, fthree = 3.0f, fseven = 7.0f;
  static const double to_int[] = {2.5, 3.5, -2.5, -3.5, 2.4999, -0.5, 0.5, 1e10 + 0.5, -7.75};
  for (size_t m = 0; m < 4; ++m) {
    if (fesetround(modes[m].mode) != 0) return 1;
    printf("mode %s (fegetround matches: %s)\n", modes[m].name,
           fegetround() == modes[m].mode ? "yes" : "no");
    printf("  1/3     %016" PRIx64 "  -1/3 %016" PRIx64 "\n", dbits(one / three),
           dbits(neg / three));
    printf("  1+2^-60 %016" PRIx64 "  -1-2^-60 %016" PRIx64 "\n", dbits(one + tiny),
           dbits(neg - tiny));
    printf("  0.1*3   %016" PRIx64 "  sqrt2 %016" PRIx64 "  sqrt10 %016" PRIx64 "\n",
           dbits(one / ten * three), dbits(sqrt(two)), dbits(sqrt(ten)));
    printf("  f 1/3   %08" PRIx32 "  f -7/3 %08" PRIx32 "  f sqrt7 %08" PRIx32 "\n",
           fbits(fone / fthree), fbits(-fseven / fthree), fbits(sqrtf(fseven)));
    volatile double third = one / 3.0;
    printf("  (float)(1/3) %08" PRIx32 "  (float)(-1/3) %08" PRIx32 "\n", fbits((float)third),
           fbits((float)-third));
    printf("  rint/lrint:");
    for (size_t i = 0; i < sizeof to_int / sizeof to_int[0]; ++i) {
      volatile double x = to_int[i];
      printf(" %g->%g/%ld/%lld", x, rint(x), lrint(x), llrint(x));
    }
    printf("\n  nearbyint(-2.5)=%g lrintf(2.5f)=%ld (int)2.9=%d (int)-2.9=%d\n", nearbyint(-2.5),
           lrintf(2.5f), (int)(one * 2.9), (int)(neg * 2.9));
    volatile double big = 0x1p53;
    printf("  2^53+1 %016" PRIx64 "  2^53+3 %016" PRIx64 "\n", dbits(big + one),
           dbits(big + three));
  }
  fesetround(FE_TONEAREST);
  printf("invalid mode rejected: %s\n", fesetround(12345) != 0 ? "yes" : "no");
  return 0;
}
