/* fp_rounding_modes: all five RISC-V rounding modes (RNE, RTZ, RDN, RUP, RMM) on F and D
 * arithmetic, square root, fused multiply-add and conversions, first as the static rm field of
 * each instruction, then as dynamic rounding (rm = dyn) with frm set to each mode, and finally
 * static modes overriding a different frm. Operands are chosen at exact ties (where RNE and RMM
 * differ) and just off them; results and fflags are printed as bits. RMM is only reachable this
 * way, since C's fesetround has no round-to-nearest-max-magnitude. */
#include "rv_test.h"

#define OP2D(insn, rm, a, b)                                               \
  ({                                                                       \
    double r_;                                                             \
    __asm__ volatile(insn " %0, %1, %2, " rm : "=f"(r_) : "f"(a), "f"(b)); \
    rv_bits_from_d(r_);                                                    \
  })
#define OP2S(insn, rm, a, b)                                               \
  ({                                                                       \
    float r_;                                                              \
    __asm__ volatile(insn " %0, %1, %2, " rm : "=f"(r_) : "f"(a), "f"(b)); \
    rv_bits_from_f(r_);                                                    \
  })
#define OP1D(insn, rm, a)                                      \
  ({                                                           \
    double r_;                                                 \
    __asm__ volatile(insn " %0, %1, " rm : "=f"(r_) : "f"(a)); \
    rv_bits_from_d(r_);                                        \
  })
#define OP1S(insn, rm, a)                                      \
  ({                                                           \
    float r_;                                                  \
    __asm__ volatile(insn " %0, %1, " rm : "=f"(r_) : "f"(a)); \
    rv_bits_from_f(r_);                                        \
  })
#define CVT_TO_INT(insn, rm, a)                                \
  ({                                                           \
    uint64_t r_;                                               \
    __asm__ volatile(insn " %0, %1, " rm : "=r"(r_) : "f"(a)); \
    r_;                                                        \
  })
#define CVT_FROM_INT_D(insn, rm, x)                            \
  ({                                                           \
    double r_;                                                 \
    __asm__ volatile(insn " %0, %1, " rm : "=f"(r_) : "r"(x)); \
    rv_bits_from_d(r_);                                        \
  })
#define CVT_FROM_INT_S(insn, rm, x)                            \
  ({                                                           \
    float r_;                                                  \
    __asm__ volatile(insn " %0, %1, " rm : "=f"(r_) : "r"(x)); \
    rv_bits_from_f(r_);                                        \
  })
#define FMA_D(rm, a, b, c)                                                               \
  ({                                                                                     \
    double r_;                                                                           \
    __asm__ volatile("fmadd.d %0, %1, %2, %3, " rm : "=f"(r_) : "f"(a), "f"(b), "f"(c)); \
    rv_bits_from_d(r_);                                                                  \
  })

/* One line of results for rounding mode text `rm` (an assembler rm operand). */
#define ROW(rm)                                                                                    \
  do {                                                                                             \
    rv_clear_fflags();                                                                             \
    printf("%-4s add.d tie+ %016" PRIx64 " tie- %016" PRIx64 " 1+3ulp/4 %016" PRIx64               \
           " -1-3ulp/4 %016" PRIx64 "\n",                                                          \
           rm, OP2D("fadd.d", rm, one, half_ulp), OP2D("fadd.d", rm, neg_one, neg_half_ulp),       \
           OP2D("fadd.d", rm, one, three_q_ulp), OP2D("fsub.d", rm, neg_one, three_q_ulp));        \
    printf("     div.d 1/3 %016" PRIx64 " -2/3 %016" PRIx64 " mul.d %016" PRIx64                   \
           " sqrt.d 2 %016" PRIx64 " fmadd.d %016" PRIx64 "\n",                                    \
           OP2D("fdiv.d", rm, one, three), OP2D("fdiv.d", rm, neg_two, three),                     \
           OP2D("fmul.d", rm, tenth, three), OP1D("fsqrt.d", rm, two),                             \
           FMA_D(rm, tenth, three, neg_tiny));                                                     \
    printf("     add.s tie %08" PRIx32 " div.s 1/3 %08" PRIx32 " -1/3 %08" PRIx32                  \
           " sqrt.s 3 %08" PRIx32 " cvt.s.d %08" PRIx32 "\n",                                      \
           OP2S("fadd.s", rm, fone, fhalf_ulp), OP2S("fdiv.s", rm, fone, fthree),                  \
           OP2S("fdiv.s", rm, fneg_one, fthree), OP1S("fsqrt.s", rm, fthree),                      \
           OP1S("fcvt.s.d", rm, third));                                                           \
    printf("     cvt.w.d");                                                                        \
    for (size_t i_ = 0; i_ < sizeof ties / sizeof ties[0]; ++i_)                                   \
      printf(" %" PRId64, (int64_t)CVT_TO_INT("fcvt.w.d", rm, ties[i_]));                          \
    printf(" | cvt.l.s %" PRId64 " %" PRId64 " | cvt.wu.d 2.5 %" PRIu64 "\n",                      \
           (int64_t)CVT_TO_INT("fcvt.l.s", rm, fties[0]),                                          \
           (int64_t)CVT_TO_INT("fcvt.l.s", rm, fties[1]), CVT_TO_INT("fcvt.wu.d", rm, ties[0]));   \
    printf("     cvt.d.l 2^62+1 %016" PRIx64 " cvt.s.l %08" PRIx32 " cvt.s.w -(2^24+1) %08" PRIx32 \
           " cvt.s.lu %08" PRIx32 " flags %s\n",                                                   \
           CVT_FROM_INT_D("fcvt.d.l", rm, big_odd), CVT_FROM_INT_S("fcvt.s.l", rm, big_odd),       \
           CVT_FROM_INT_S("fcvt.s.w", rm, neg_24), CVT_FROM_INT_S("fcvt.s.lu", rm, all_ones),      \
           rv_flag_names(rv_read_fflags()));                                                       \
  } while (0)

int main(void) {
  double one = 1.0, neg_one = -1.0, two = 2.0, neg_two = -2.0, three = 3.0, tenth = 0.1;
  double half_ulp = 0x1p-53, neg_half_ulp = -0x1p-53, three_q_ulp = 0x3p-54;
  double neg_tiny = -0x1p-60, third = 1.0 / 3.0;
  float fone = 1.0f, fneg_one = -1.0f, fthree = 3.0f, fhalf_ulp = 0x1p-24f;
  static const double ties[] = {2.5, -2.5, 3.5, -3.5, 0.5, -0.5, 2.4999999999999996, 1.5000000001};
  static const float fties[] = {4.5f, -5.5f};
  uint64_t big_odd = (1ULL << 62) + 1, all_ones = ~0ULL;
  uint64_t neg_24 = (uint64_t) - (int64_t)((1 << 24) + 1);

  printf("static rounding modes:\n");
  ROW("rne");
  ROW("rtz");
  ROW("rdn");
  ROW("rup");
  ROW("rmm");

  printf("dynamic rounding (rm = dyn) with frm set to each mode:\n");
  for (uint32_t mode = 0; mode < 5; ++mode) {
    rv_write_frm(mode);
    printf("frm=%s (reads back %s)\n", rv_mode_name(mode), rv_mode_name(rv_read_frm()));
    ROW("dyn");
  }

  printf("static modes override frm=RUP:\n");
  rv_write_frm(RV_RUP);
  ROW("rtz");
  ROW("rmm");
  rv_write_frm(RV_RNE);
  /* Ordinary compiled C uses dyn, so frm also steers it. */
  volatile double x = 1.0, y = 3.0;
  /* The empty asm statements consume each quotient, pinning the division between the two frm
   * writes (volatile asm statements keep their order). */
  rv_write_frm(RV_RDN);
  double down = x / y;
  __asm__ volatile("" : : "f"(down));
  rv_write_frm(RV_RUP);
  double up = x / y;
  __asm__ volatile("" : : "f"(up));
  rv_write_frm(RV_RNE);
  printf("compiled 1/3 under RDN %016" PRIx64 " RUP %016" PRIx64 "\n", rv_bits_from_d(down),
         rv_bits_from_d(up));
  return 0;
}
