/* fp_flags: fflags as set by individual F/D instructions: NX (inexact), UF (tiny and inexact,
 * detected after rounding, but not for exact subnormal results), OF (with NX), DZ (finite
 * non-zero / 0), NV (0*inf, inf-inf, 0/0, sqrt of negative, signalling NaN operands to
 * arithmetic, ordered compares flt/fle on any NaN, feq only on signalling NaNs, invalid
 * conversions, fmin/fmax on signalling NaNs), plus accumulation: flags are sticky until cleared
 * and a second operation only ORs bits in. */
#include "rv_test.h"

#define D(bits) rv_d_from_bits(bits)
#define S(bits) rv_f_from_bits(bits)

#define TRY(label, stmt)                                          \
  do {                                                            \
    rv_clear_fflags();                                            \
    stmt;                                                         \
    printf("%-34s %s\n", label, rv_flag_names(rv_read_fflags())); \
  } while (0)

#define OPD(insn, a, b)                                               \
  ({                                                                  \
    double r_;                                                        \
    __asm__ volatile(insn " %0, %1, %2" : "=f"(r_) : "f"(a), "f"(b)); \
    r_;                                                               \
  })
#define OPS(insn, a, b)                                               \
  ({                                                                  \
    float r_;                                                         \
    __asm__ volatile(insn " %0, %1, %2" : "=f"(r_) : "f"(a), "f"(b)); \
    r_;                                                               \
  })
#define CMPD(insn, a, b)                                              \
  ({                                                                  \
    uint64_t r_;                                                      \
    __asm__ volatile(insn " %0, %1, %2" : "=r"(r_) : "f"(a), "f"(b)); \
    r_;                                                               \
  })
#define SQRTD(a)                                            \
  ({                                                        \
    double r_;                                              \
    __asm__ volatile("fsqrt.d %0, %1" : "=f"(r_) : "f"(a)); \
    r_;                                                     \
  })
#define CVTWD(a)                                                  \
  ({                                                              \
    uint64_t r_;                                                  \
    __asm__ volatile("fcvt.w.d %0, %1, rtz" : "=r"(r_) : "f"(a)); \
    r_;                                                           \
  })

int main(void) {
  double zero = D(0), one = D(0x3ff0000000000000ULL), three = D(0x4008000000000000ULL);
  double inf = D(0x7ff0000000000000ULL), neg_one = D(0xbff0000000000000ULL);
  double max = D(0x7fefffffffffffffULL), dmin = D(0x0010000000000000ULL);
  double qnan = D(0x7ff8000000000000ULL), snan = D(0x7ff0000000000001ULL);
  double two_pow_minus_1022 = dmin, quarter = D(0x3fd0000000000000ULL);
  float fone = S(0x3f800000), fzero = S(0), fmax = S(0x7f7fffff), fsnan = S(0x7f800001);
  float fqnan = S(0x7fc00000), fthree = S(0x40400000), fmin_norm = S(0x00800000);
  double sink;
  float fsink;
  uint64_t isink;

  TRY("fadd.d 1+1 (exact)", sink = OPD("fadd.d", one, one));
  TRY("fdiv.d 1/3", sink = OPD("fdiv.d", one, three));
  TRY("fdiv.d 1/0", sink = OPD("fdiv.d", one, zero));
  TRY("fdiv.d -1/0", sink = OPD("fdiv.d", neg_one, zero));
  TRY("fdiv.d 0/0", sink = OPD("fdiv.d", zero, zero));
  TRY("fdiv.d inf/0 (no DZ: inf exact)", sink = OPD("fdiv.d", inf, zero));
  TRY("fmul.d 0*inf", sink = OPD("fmul.d", zero, inf));
  TRY("fsub.d inf-inf", sink = OPD("fsub.d", inf, inf));
  TRY("fmul.d max*3", sink = OPD("fmul.d", max, three));
  TRY("fmul.d min*min", sink = OPD("fmul.d", dmin, dmin));
  TRY("fmul.d min/4 exact subnormal", sink = OPD("fmul.d", two_pow_minus_1022, quarter));
  TRY("fdiv.d min/3", sink = OPD("fdiv.d", dmin, three));
  TRY("fsqrt.d -1", sink = SQRTD(neg_one));
  TRY("fsqrt.d -0 (exact -0)", sink = SQRTD(D(0x8000000000000000ULL)));
  TRY("fadd.d qNaN+1", sink = OPD("fadd.d", qnan, one));
  TRY("fadd.d sNaN+1", sink = OPD("fadd.d", snan, one));
  TRY("fmul.d 1*sNaN", sink = OPD("fmul.d", one, snan));
  TRY("feq.d qNaN,1", isink = CMPD("feq.d", qnan, one));
  TRY("feq.d sNaN,1", isink = CMPD("feq.d", snan, one));
  TRY("flt.d qNaN,1", isink = CMPD("flt.d", qnan, one));
  TRY("fle.d 1,qNaN", isink = CMPD("fle.d", one, qnan));
  TRY("fmin.d qNaN,1", sink = OPD("fmin.d", qnan, one));
  TRY("fmin.d sNaN,1", sink = OPD("fmin.d", snan, one));
  TRY("fmax.d sNaN,qNaN", sink = OPD("fmax.d", snan, qnan));
  TRY("fcvt.w.d 2.5 rtz", isink = CVTWD(D(0x4004000000000000ULL)));
  TRY("fcvt.w.d 3.0 rtz", isink = CVTWD(three));
  TRY("fcvt.w.d 2^31 rtz", isink = CVTWD(D(0x41e0000000000000ULL)));
  TRY("fcvt.w.d qNaN", isink = CVTWD(qnan));
  TRY("fcvt.w.d -inf", isink = CVTWD(D(0xfff0000000000000ULL)));
  TRY("fadd.s 1+1", fsink = OPS("fadd.s", fone, fone));
  TRY("fdiv.s 1/3", fsink = OPS("fdiv.s", fone, fthree));
  TRY("fdiv.s 1/0", fsink = OPS("fdiv.s", fone, fzero));
  TRY("fmul.s max*3", fsink = OPS("fmul.s", fmax, fthree));
  TRY("fdiv.s min/3", fsink = OPS("fdiv.s", fmin_norm, fthree));
  TRY("fadd.s sNaN+1", fsink = OPS("fadd.s", fsnan, fone));
  TRY("fadd.s qNaN+1", fsink = OPS("fadd.s", fqnan, fone));
  TRY("fcvt.s.d max (overflow)", { __asm__ volatile("fcvt.s.d %0, %1" : "=f"(fsink) : "f"(max)); });
  TRY("fcvt.s.d min (underflow)", {
    __asm__ volatile("fcvt.s.d %0, %1" : "=f"(fsink) : "f"(dmin));
  });
  TRY("fcvt.s.d sNaN", { __asm__ volatile("fcvt.s.d %0, %1" : "=f"(fsink) : "f"(snan)); });
  TRY("fcvt.d.s sNaN", { __asm__ volatile("fcvt.d.s %0, %1" : "=f"(sink) : "f"(fsnan)); });
  TRY("fsgnj.d/fmv sNaN (no flags)", {
    __asm__ volatile("fsgnj.d %0, %1, %1" : "=f"(sink) : "f"(snan));
  });
  TRY("fclass.d sNaN (no flags)", {
    __asm__ volatile("fclass.d %0, %1" : "=r"(isink) : "f"(snan));
  });
  (void)sink;
  (void)fsink;
  (void)isink;

  rv_clear_fflags();
  sink = OPD("fdiv.d", one, zero);
  sink = OPD("fdiv.d", one, three);
  printf("sticky after 1/0 then 1/3: %s\n", rv_flag_names(rv_read_fflags()));
  sink = OPD("fadd.d", one, one);
  printf("still set after an exact add: %s\n", rv_flag_names(rv_read_fflags()));
  rv_clear_fflags();
  printf("after clearing: %s\n", rv_flag_names(rv_read_fflags()));
  /* Compiled C code raises the same flags. */
  volatile double vz = 0.0, vo = 1.0;
  rv_clear_fflags();
  volatile double r = vo / vz;
  (void)r;
  printf("compiled 1.0/0.0: %s\n", rv_flag_names(rv_read_fflags()));
  return 0;
}
