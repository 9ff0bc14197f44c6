/* strtod_roundtrip: parses decimal and hexadecimal strings with strtod/strtof/strtold (tricky
 * halfway cases, subnormals, overflow to inf with ERANGE, underflow, inf/nan spellings, trailing
 * garbage), prints the exact bits, and checks that %.17g / %.9g output parses back to the same
 * bits for a deterministic stream of doubles. */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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
  static const char* inputs[] = {
      "0",
      "-0",
      "1",
      "0.1",
      "  +3.5e2xyz",
      "1e308",
      "1.8e308",
      "-1.8e308",
      "4.9e-324",
      "2.4e-324",
      "2.5e-324",
      "1e-400",
      "2.2250738585072011e-308",
      "2.2250738585072012e-308",
      "9007199254740993",
      "9007199254740995",
      "0x1p-1074",
      "0x1.fffffffffffffp1023",
      "0x1.8p1",
      "0X.8P0",
      "inf",
      "-Infinity",
      "nan",
      "NAN(123)",
      "-nan",
      "1e",
      "e5",
      ".",
      "0x",
      "12abc",
      "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017"
      "977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273"
      "854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704"
      "342711559699508093042880177904174497791.9999999999999999999999999999999999999999999999999"};
  for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; ++i) {
    char* end;
    errno = 0;
    double d = strtod(inputs[i], &end);
    int e1 = errno;
    errno = 0;
    float f = strtof(inputs[i], NULL);
    int e2 = errno;
    printf("%-.40s -> d %016" PRIx64 " (%s, consumed %td) f %08" PRIx32 " (%s) %.17g\n", inputs[i],
           dbits(d),
           e1 == ERANGE ? "ERANGE"
           : e1         ? "err"
                        : "ok",
           end - inputs[i], fbits(f),
           e2 == ERANGE ? "ERANGE"
           : e2         ? "err"
                        : "ok",
           d);
  }
  /* Round trip a deterministic stream covering many exponents. */
  uint64_t state = 88172645463325252ULL;
  int bad = 0, badf = 0;
  for (int i = 0; i < 4000; ++i) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    double d;
    memcpy(&d, &state, sizeof d);
    if (d != d) continue;
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", d);
    if (dbits(strtod(buf, NULL)) != dbits(d)) ++bad;
    float f = (float)d;
    snprintf(buf, sizeof buf, "%.9g", (double)f);
    if (fbits(strtof(buf, NULL)) != fbits(f)) ++badf;
  }
  printf("round trip failures: double %d float %d\n", bad, badf);
  printf("strtold(\"0.1\") as %%.30Lg: %.30Lg\n", strtold("0.1", NULL));
  printf("atof(\"  -12.5e-1\") = %g, strtol(\"-0x7fz\",16) = %ld\n", atof("  -12.5e-1"),
         strtol("-0x7fz", NULL, 16));
  return 0;
}
