/* printf_float: printf's floating-point conversions (%f %e %g %a with widths, precisions and
 * flags) over ordinary, tiny, huge, subnormal, negative-zero, infinite and NaN values, float
 * promoted through varargs, and snprintf truncation. glibc formats floats with multi-precision
 * integer code, so this is heavy on 64-bit multiply/divide as well as on FP moves. */
#include <float.h>
#include <math.h>
#include <stdio.h>

int main(void) {
  static const double values[] = {0.0,          -0.0,     1.0,
                                  -1.5,         0.1,      1.0 / 3.0,
                                  2.5,          3.5,      1e-5,
                                  123456.789,   1e15,     1e16,
                                  1e22,         1e23,     9007199254740993.0,
                                  DBL_MAX,      DBL_MIN,  4.9406564584124654e-324,
                                  5e-310,       HUGE_VAL, -HUGE_VAL,
                                  0.5e-6,       999999.5, 0.000123456789,
                                  6.02214076e23};
  static const char* formats[] = {"%f",    "%.0f",    "%.3f",  "%20.10f", "%-12.2f|", "%+f",
                                  "% f",   "%e",      "%.0e",  "%.15e",   "%E",       "%g",
                                  "%.17g", "%#g",     "%G",    "%.3g",    "%a",       "%.3a",
                                  "%A",    "%010.3f", "%#.0f", "%.40f"};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; ++i) {
    for (size_t j = 0; j < sizeof formats / sizeof formats[0]; ++j) {
      if (values[i] > 1e300 && values[i] != HUGE_VAL && (j == 0 || j == 3 || j == 5)) continue;
      printf(formats[j], values[i]);
      putchar(' ');
    }
    putchar('\n');
  }
  printf("nan: %f %F %e %g %a %5.1f|\n", NAN, NAN, -NAN, NAN, NAN, NAN);
  float f = 16777217.0f;
  float third = 1.0f / 3.0f;
  printf("floats: %.10f %.10f %a %g\n", f, third, third, FLT_MAX);
  printf("long double: %.25Lg %.10Le %La\n", 1.0L / 3.0L, 1e100L, 0.1L);
  char buf[16];
  volatile size_t buf_size = sizeof buf; /* volatile: truncation is the point, not a mistake */
  int n = snprintf(buf, buf_size, "%.20f", 3.14159265358979323846);
  printf("snprintf wanted %d, got \"%s\"\n", n, buf);
  printf("star width/precision: [%*.*f] [%-*.*e]\n", 12, 4, 2.718281828, 14, 2, -0.000271828);
  /* Round-half-even behaviour of the decimal conversion. */
  for (double v = 0.5; v < 5.0; v += 1.0) printf("%.0f ", v);
  printf("| %.1f %.1f %.1f %.2f\n", 0.25, 0.35, 0.45, 1.005);
  return 0;
}
