/* fp_fma_asm: the four fused multiply-add instructions (fmadd, fmsub, fnmsub, fnmadd) in both
 * precisions: the sign conventions (fnmadd = -(a*b)-c, fnmsub = -(a*b)+c), a single rounding
 * (results that differ from a separate multiply and add), every rounding mode on a tie, signed
 * zero results, overflow/underflow flags, and the special rule that inf*0 + qNaN raises NV even
 * though the addend is a quiet NaN. */
#include "rv_test.h"

#define FMA4(insn, rm, a, b, c)                                                        \
  ({                                                                                   \
    double r_;                                                                         \
    __asm__ volatile(insn " %0, %1, %2, %3, " rm : "=f"(r_) : "f"(a), "f"(b), "f"(c)); \
    rv_bits_from_d(r_);                                                                \
  })
#define FMA4S(insn, rm, a, b, c)                                                       \
  ({                                                                                   \
    float r_;                                                                          \
    __asm__ volatile(insn " %0, %1, %2, %3, " rm : "=f"(r_) : "f"(a), "f"(b), "f"(c)); \
    rv_bits_from_f(r_);                                                                \
  })
#define ALL4(a, b, c)                                                                              \
  do {                                                                                             \
    rv_clear_fflags();                                                                             \
    printf("  fmadd %016" PRIx64 " fmsub %016" PRIx64 " fnmsub %016" PRIx64 " fnmadd %016" PRIx64, \
           FMA4("fmadd.d", "rne", a, b, c), FMA4("fmsub.d", "rne", a, b, c),                       \
           FMA4("fnmsub.d", "rne", a, b, c), FMA4("fnmadd.d", "rne", a, b, c));                    \
    printf(" [%s]\n", rv_flag_names(rv_read_fflags()));                                            \
  } while (0)

int main(void) {
  double one = 1.0, two = 2.0, three = 3.0, zero = 0.0;
  double neg_zero = rv_d_from_bits(0x8000000000000000ULL);
  double inf = rv_d_from_bits(0x7ff0000000000000ULL);
  double qnan = rv_d_from_bits(0x7ff8000000000000ULL);
  double a = 1.0 + 0x1p-30, b = 1.0 - 0x1p-30;
  double big = 0x1p1000, tiny = 0x1p-1000;
  printf("2*3 +/- 1:\n");
  ALL4(two, three, one);
  printf("(1+2^-30)(1-2^-30) +/- 1 (single rounding keeps -2^-60):\n");
  ALL4(a, b, one);
  printf("1*0 +/- -0 (signed zeros):\n");
  ALL4(one, zero, neg_zero);
  printf("-0*1 +/- 0:\n");
  ALL4(neg_zero, one, zero);
  printf("inf*0 + qNaN (NV although the addend is quiet):\n");
  ALL4(inf, zero, qnan);
  printf("1*qNaN + 1 (no NV):\n");
  ALL4(one, qnan, one);
  printf("inf*2 - inf (NV):\n");
  ALL4(inf, two, inf);
  printf("2^1000*2^1000 + 1 (overflow):\n");
  ALL4(big, big, one);
  printf("2^-1000*2^-1000 + 0 (underflow):\n");
  ALL4(tiny, tiny, zero);
  printf("1*2^-53 + 1 under each rounding mode (an exact tie):\n");
  double half_ulp = 0x1p-53, neg_one = -1.0;
  printf("  rne %016" PRIx64 " rtz %016" PRIx64 " rdn %016" PRIx64 " rup %016" PRIx64
         " rmm %016" PRIx64 "\n",
         FMA4("fmadd.d", "rne", one, half_ulp, one), FMA4("fmadd.d", "rtz", one, half_ulp, one),
         FMA4("fmadd.d", "rdn", one, half_ulp, one), FMA4("fmadd.d", "rup", one, half_ulp, one),
         FMA4("fmadd.d", "rmm", one, half_ulp, one));
  printf("  fnmadd same operands: rne %016" PRIx64 " rdn %016" PRIx64 " rup %016" PRIx64
         " rmm %016" PRIx64 "\n",
         FMA4("fnmadd.d", "rne", one, half_ulp, one), FMA4("fnmadd.d", "rdn", one, half_ulp, one),
         FMA4("fnmadd.d", "rup", one, half_ulp, one), FMA4("fnmadd.d", "rmm", one, half_ulp, one));
  printf("  exact zero sum 1*1 + -1: rne %016" PRIx64 " rdn %016" PRIx64 "\n",
         FMA4("fmadd.d", "rne", one, one, neg_one), FMA4("fmadd.d", "rdn", one, one, neg_one));
  float fa = 1.0f + 0x1p-12f, fb = 1.0f - 0x1p-12f, fone = 1.0f, fhalf = 0x1p-24f;
  float fneg_one = -1.0f;
  rv_clear_fflags();
  printf("single: fmadd %08" PRIx32 " fmsub %08" PRIx32 " fnmsub %08" PRIx32 " fnmadd %08" PRIx32,
         FMA4S("fmadd.s", "rne", fa, fb, fneg_one), FMA4S("fmsub.s", "rne", fa, fb, fone),
         FMA4S("fnmsub.s", "rne", fa, fb, fone), FMA4S("fnmadd.s", "rne", fa, fb, fneg_one));
  printf(" [%s]\n", rv_flag_names(rv_read_fflags()));
  printf("single tie: rne %08" PRIx32 " rtz %08" PRIx32 " rdn %08" PRIx32 " rup %08" PRIx32
         " rmm %08" PRIx32 "\n",
         FMA4S("fmadd.s", "rne", fone, fhalf, fone), FMA4S("fmadd.s", "rtz", fone, fhalf, fone),
         FMA4S("fmadd.s", "rdn", fone, fhalf, fone), FMA4S("fmadd.s", "rup", fone, fhalf, fone),
         FMA4S("fmadd.s", "rmm", fone, fhalf, fone));
  return 0;
}
