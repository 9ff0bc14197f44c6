/* fp_minmax_compare: fmin/fmax (IEEE 754-2019 minimumNumber/maximumNumber semantics: a number
 * beats a NaN, -0.0 is less than +0.0, two NaNs give the canonical NaN, signalling NaNs raise
 * NV) and feq/flt/fle (false on any NaN; flt/fle raise NV on quiet NaNs too, feq only on
 * signalling ones), in both precisions, over a grid of special values. */
#include "rv_test.h"

#define OP(insn, a, b)                                                \
  ({                                                                  \
    double r_;                                                        \
    __asm__ volatile(insn " %0, %1, %2" : "=f"(r_) : "f"(a), "f"(b)); \
    rv_bits_from_d(r_);                                               \
  })
#define OPS(insn, a, b)                                               \
  ({                                                                  \
    float r_;                                                         \
    __asm__ volatile(insn " %0, %1, %2" : "=f"(r_) : "f"(a), "f"(b)); \
    rv_bits_from_f(r_);                                               \
  })
#define CMP(insn, a, b)                                               \
  ({                                                                  \
    uint64_t r_;                                                      \
    __asm__ volatile(insn " %0, %1, %2" : "=r"(r_) : "f"(a), "f"(b)); \
    r_;                                                               \
  })

int main(void) {
  static const struct {
    const char* name;
    uint64_t d;
    uint32_t s;
  } v[] = {
      {"+0", 0, 0},
      {"-0", 0x8000000000000000ULL, 0x80000000u},
      {"1", 0x3ff0000000000000ULL, 0x3f800000u},
      {"-1", 0xbff0000000000000ULL, 0xbf800000u},
      {"+inf", 0x7ff0000000000000ULL, 0x7f800000u},
      {"-inf", 0xfff0000000000000ULL, 0xff800000u},
      {"qNaN", 0x7ff8000000000000ULL, 0x7fc00000u},
      {"-qNaN", 0xfff8000000000123ULL, 0xffc00123u},
      {"sNaN", 0x7ff0000000000001ULL, 0x7f800001u},
      {"denorm", 0x0000000000000001ULL, 0x00000001u},
  };
  const size_t n = sizeof v / sizeof v[0];
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double a = rv_d_from_bits(v[i].d), b = rv_d_from_bits(v[j].d);
      float fa = rv_f_from_bits(v[i].s), fb = rv_f_from_bits(v[j].s);
      rv_clear_fflags();
      uint64_t mn = OP("fmin.d", a, b), mx = OP("fmax.d", a, b);
      uint32_t fl_minmax = rv_read_fflags();
      rv_clear_fflags();
      uint64_t eq = CMP("feq.d", a, b);
      uint32_t fl_eq = rv_read_fflags();
      rv_clear_fflags();
      uint64_t lt = CMP("flt.d", a, b), le = CMP("fle.d", a, b);
      uint32_t fl_ltle = rv_read_fflags();
      rv_clear_fflags();
      uint32_t smn = OPS("fmin.s", fa, fb), smx = OPS("fmax.s", fa, fb);
      uint64_t seq = CMP("feq.s", fa, fb), slt = CMP("flt.s", fa, fb), sle = CMP("fle.s", fa, fb);
      uint32_t fl_s = rv_read_fflags();
      printf("%-6s %-6s d: min %016" PRIx64 " max %016" PRIx64 " [%s] eq %" PRIu64
             " [%s] lt %" PRIu64 " le %" PRIu64 " [%s] | s: min %08" PRIx32 " max %08" PRIx32
             " eq %" PRIu64 " lt %" PRIu64 " le %" PRIu64 " [%s]\n",
             v[i].name, v[j].name, mn, mx, rv_flag_names(fl_minmax), eq, rv_flag_names(fl_eq), lt,
             le, rv_flag_names(fl_ltle), smn, smx, seq, slt, sle, rv_flag_names(fl_s));
    }
  }
  return 0;
}
