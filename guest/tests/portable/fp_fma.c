/* fp_fma: fused multiply-add through fma()/fmaf() (a single rounding, which a naive a*b+c
 * cannot reproduce) on cases where the fused and unfused results differ, signed zeros
 * (fma(-0,0,-0)), infinities, NaN operands, and a dot product accumulated with fma versus with
 * separate operations, plus the -ffp-contract=fast contraction the compiler does at -O2. */
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
  volatile double a = 1.0 + 0x1p-30, b = 1.0 - 0x1p-30, c = -1.0;
  volatile double ab = a * b; /* volatile: a separately rounded product */
  printf("fma(1+2^-30, 1-2^-30, -1) = %a (unfused %a)\n", fma(a, b, c), ab + c);
  volatile double x = 0.1, y = 10.0, z = -1.0;
  volatile double xy = x * y;
  printf("fma(0.1, 10, -1) = %a unfused %a\n", fma(x, y, z), xy + z);
  static volatile double triples[][3] = {{-0.0, 0.0, -0.0},
                                         {0.0, -0.0, 0.0},
                                         {-0.0, 0.0, 0.0},
                                         {1.0, -1.0, 1.0},
                                         {INFINITY, 2.0, -INFINITY},
                                         {INFINITY, 0.0, 1.0},
                                         {0x1p1000, 0x1p1000, -INFINITY},
                                         {0x1p-1000, 0x1p-100, 0.0},
                                         {3.0, 1.0 / 3.0, -1.0},
                                         {1e308, 10.0, -1e308}};
  for (size_t i = 0; i < sizeof triples / sizeof triples[0]; ++i) {
    double r = fma(triples[i][0], triples[i][1], triples[i][2]);
    printf("fma(%g, %g, %g) = %g [%016" PRIx64 "]\n", triples[i][0], triples[i][1], triples[i][2],
           r, isnan(r) ? (uint64_t)0x7ff8000000000000ULL : dbits(r));
  }
  volatile float fa = 1.0f + 0x1p-12f, fb = 1.0f - 0x1p-12f, fc = -1.0f;
  volatile float fab = fa * fb;
  printf("fmaf(1+2^-12, 1-2^-12, -1) = %a [%08" PRIx32 "] unfused %a\n", (double)fmaf(fa, fb, fc),
         fbits(fmaf(fa, fb, fc)), (double)(fab + fc));
  printf("fmaf(NaN, 1, 1) is nan: %d, fma(1, 1, NaN) is nan: %d\n", isnan(fmaf(NAN, 1.0f, 1.0f)),
         isnan(fma(1.0, 1.0, NAN)));
  double fused = 0.0, plain = 0.0;
  for (int i = 1; i <= 1000; ++i) {
    volatile double u = 1.0 / i, v = (double)i * 1.0000001;
    fused = fma(u, v, fused);
    volatile double prod = u * v; /* volatile forces a separate rounding */
    plain = plain + prod;
  }
  printf("dot fused %a plain %a\n", fused, plain);
  /* Left to the compiler: at -O2 with FMA hardware this becomes fmadd (GNU C contracts). */
  double acc = 0.0;
  for (int i = 0; i < 100; ++i) {
    volatile double p = i * 0.1, q = 0.3 - i * 0.001;
    acc += p * q;
  }
  printf("compiler-chosen dot %.17g\n", acc);
  return 0;
}
