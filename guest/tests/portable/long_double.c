/* long_double: long double arithmetic. On RISC-V it is IEEE binary128 implemented in software
 * (libgcc's soft-fp: long chains of 64-bit integer shifts, multiplies and carries); on x86-64
 * it is the x87 80-bit format. Prints sums, products, quotients, conversions and sqrtl with
 * enough digits to expose the last bit. */
#include <float.h>
#include <math.h>
#include <stdio.h>

int main(void) {
  printf("LDBL_MANT_DIG %d LDBL_MAX_EXP %d\n", LDBL_MANT_DIG, LDBL_MAX_EXP);
  volatile long double third = 1.0L / 3.0L, ten = 10.0L;
  printf("1/3 = %.40Lg\n", third);
  printf("1/3*3 = %.40Lg\n", third * 3.0L);
  long double sum = 0;
  for (int i = 1; i <= 1000; ++i) sum += 1.0L / (long double)i;
  printf("H(1000) = %.36Lg\n", sum);
  long double p = 1;
  for (int i = 0; i < 40; ++i) p *= ten;
  printf("10^40 = %.36Lg\n", p);
  printf("sqrtl(2) = %.36Lg\n", sqrtl(2.0L));
  volatile long double big = 1e300L;
  printf("1e300^2 = %.20Lg (finite: %d)\n", big * big, isfinite(big * big));
  volatile long double x = 123456789.987654321L;
  printf("(long long)x = %lld (double)x = %.17g (float)x = %.9g\n", (long long)x, (double)x,
         (double)(float)x);
  volatile unsigned long long u = 18446744073709551615ULL;
  printf("(long double)UINT64_MAX = %.25Lg\n", (long double)u);
  printf("compare: %d %d %d\n", third < 0.34L, third == 1.0L / 3.0L, -0.0L == 0.0L);
  printf("%%La of 0.1L: %La\n", 0.1L);
  return 0;
}
