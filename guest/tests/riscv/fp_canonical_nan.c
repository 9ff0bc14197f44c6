/* fp_canonical_nan: RISC-V does not propagate NaN payloads: any arithmetic, sqrt, fused
 * multiply-add, conversion between formats or fmin/fmax-of-two-NaNs that returns a NaN returns
 * the canonical quiet NaN (0x7fc00000 single, 0x7ff8000000000000 double, positive, no payload),
 * whatever the sign or payload of the inputs. Sign-injection and moves are the exception: they
 * copy payloads (and signalling-ness) bit for bit. */
#include "rv_test.h"

int main(void) {
  static const uint64_t dnans[] = {0x7ff8000000000000ULL, 0xfff8000000000000ULL,
                                   0x7ff800000000abcdULL, 0xfff0000000000001ULL,
                                   0x7ff4000000001234ULL};
  double one = rv_d_from_bits(0x3ff0000000000000ULL);
  double zero = rv_d_from_bits(0), inf = rv_d_from_bits(0x7ff0000000000000ULL);
  for (size_t i = 0; i < sizeof dnans / sizeof dnans[0]; ++i) {
    double n = rv_d_from_bits(dnans[i]);
    double add, mul, div, sq, fma, mn, sgnj, neg, absd;
    float narrowed;
    __asm__ volatile("fadd.d %0, %1, %2" : "=f"(add) : "f"(n), "f"(one));
    __asm__ volatile("fmul.d %0, %1, %2" : "=f"(mul) : "f"(one), "f"(n));
    __asm__ volatile("fdiv.d %0, %1, %2" : "=f"(div) : "f"(n), "f"(n));
    __asm__ volatile("fsqrt.d %0, %1" : "=f"(sq) : "f"(n));
    __asm__ volatile("fmadd.d %0, %1, %2, %3" : "=f"(fma) : "f"(one), "f"(one), "f"(n));
    __asm__ volatile("fmin.d %0, %1, %2" : "=f"(mn) : "f"(n), "f"(n));
    __asm__ volatile("fsgnj.d %0, %1, %2" : "=f"(sgnj) : "f"(n), "f"(one));
    __asm__ volatile("fneg.d %0, %1" : "=f"(neg) : "f"(n));
    __asm__ volatile("fabs.d %0, %1" : "=f"(absd) : "f"(n));
    __asm__ volatile("fcvt.s.d %0, %1" : "=f"(narrowed) : "f"(n));
    printf("d %016" PRIx64 ": add %016" PRIx64 " mul %016" PRIx64 " div %016" PRIx64
           " sqrt %016" PRIx64 " fmadd %016" PRIx64 " min %016" PRIx64 "\n",
           dnans[i], rv_bits_from_d(add), rv_bits_from_d(mul), rv_bits_from_d(div),
           rv_bits_from_d(sq), rv_bits_from_d(fma), rv_bits_from_d(mn));
    printf(
        "    fsgnj %016" PRIx64 " fneg %016" PRIx64 " fabs %016" PRIx64 " fcvt.s.d %08" PRIx32 "\n",
        rv_bits_from_d(sgnj), rv_bits_from_d(neg), rv_bits_from_d(absd), rv_bits_from_f(narrowed));
  }
  static const uint32_t snans[] = {0x7fc00000u, 0xffc00000u, 0x7fc0abcdu, 0xff800001u, 0x7fa00042u};
  float fone = rv_f_from_bits(0x3f800000);
  for (size_t i = 0; i < sizeof snans / sizeof snans[0]; ++i) {
    float n = rv_f_from_bits(snans[i]);
    float add, sub, mx, fms, sgnjx;
    double widened;
    __asm__ volatile("fadd.s %0, %1, %2" : "=f"(add) : "f"(n), "f"(fone));
    __asm__ volatile("fsub.s %0, %1, %2" : "=f"(sub) : "f"(fone), "f"(n));
    __asm__ volatile("fmax.s %0, %1, %2" : "=f"(mx) : "f"(n), "f"(n));
    __asm__ volatile("fmsub.s %0, %1, %2, %3" : "=f"(fms) : "f"(n), "f"(fone), "f"(fone));
    __asm__ volatile("fsgnjx.s %0, %1, %2" : "=f"(sgnjx) : "f"(n), "f"(n));
    __asm__ volatile("fcvt.d.s %0, %1" : "=f"(widened) : "f"(n));
    printf("s %08" PRIx32 ": add %08" PRIx32 " sub %08" PRIx32 " max %08" PRIx32 " fmsub %08" PRIx32
           " fsgnjx %08" PRIx32 " fcvt.d.s %016" PRIx64 "\n",
           snans[i], rv_bits_from_f(add), rv_bits_from_f(sub), rv_bits_from_f(mx),
           rv_bits_from_f(fms), rv_bits_from_f(sgnjx), rv_bits_from_d(widened));
  }
  double invalid[3];
  __asm__ volatile("fdiv.d %0, %1, %1" : "=f"(invalid[0]) : "f"(zero));
  __asm__ volatile("fsub.d %0, %1, %1" : "=f"(invalid[1]) : "f"(inf));
  double neg_one = rv_d_from_bits(0xbff0000000000000ULL);
  __asm__ volatile("fsqrt.d %0, %1" : "=f"(invalid[2]) : "f"(neg_one));
  printf("fresh NaNs: 0/0 %016" PRIx64 " inf-inf %016" PRIx64 " sqrt(-1) %016" PRIx64 "\n",
         rv_bits_from_d(invalid[0]), rv_bits_from_d(invalid[1]), rv_bits_from_d(invalid[2]));
  /* Through compiled C as well: the NaN from 0.0/0.0 has no sign on RISC-V. */
  volatile double vz = 0.0;
  double c = vz / vz;
  printf("compiled 0.0/0.0 %016" PRIx64 "\n", rv_bits_from_d(c));
  return 0;
}
