/* fp_nan_boxing: how RV64 holds single-precision values in 64-bit FP registers. A value
 * written by any single-precision instruction (flw, fmv.w.x, fadd.s, fcvt.s.d, fsgnj.s, ...) has
 * its upper 32 bits all ones, visible with fmv.x.d. A single-precision instruction reading a
 * register that is not properly boxed must treat it as the canonical NaN (0x7fc00000), while
 * fsw and fmv.x.w move the low 32 bits as they are (fmv.x.w sign-extends bit 31). fld/fsd and
 * fmv.d.x/fmv.x.d move all 64 bits untouched.
 * Each check is one asm block using ft0..ft2 directly: a C float variable could be spilled to
 * the stack with fsw/flw at -O0, which would re-box it and hide what is being tested. */
#include "rv_test.h"

/* Runs `body` with ft0 = in0 and ft1 = in1 (raw 64-bit patterns), returns ft2's raw bits. */
#define FREG3(body, in0, in1)                                                        \
  ({                                                                                 \
    uint64_t out_;                                                                   \
    __asm__ volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n" body "\n fmv.x.d %0, ft2" \
                     : "=r"(out_)                                                    \
                     : "r"((uint64_t)(in0)), "r"((uint64_t)(in1))                    \
                     : "ft0", "ft1", "ft2", "memory");                               \
    out_;                                                                            \
  })
/* Same, but the result is an integer register produced by `body` into %0. */
#define FINT(body, in0, in1)                                      \
  ({                                                              \
    uint64_t out_;                                                \
    __asm__ volatile("fmv.d.x ft0, %1\n fmv.d.x ft1, %2\n" body   \
                     : "=r"(out_)                                 \
                     : "r"((uint64_t)(in0)), "r"((uint64_t)(in1)) \
                     : "ft0", "ft1", "ft2", "memory");            \
    out_;                                                         \
  })

#define BOXED_ONE 0xffffffff3f800000ULL

int main(void) {
  static float mem_f[2] = {2.5f, -0.0f};
  static uint32_t stored;
  printf("fmv.w.x 1.0f           %016" PRIx64 "\n", FREG3("fmv.w.x ft2, %1", 0x3f800000ULL, 0));
  uint64_t flw1, flw2;
  __asm__ volatile("flw ft2, 0(%2)\n fmv.x.d %0, ft2\n flw ft2, 4(%2)\n fmv.x.d %1, ft2"
                   : "=&r"(flw1), "=&r"(flw2)
                   : "r"(mem_f)
                   : "ft2", "memory");
  printf("flw 2.5f               %016" PRIx64 "\nflw -0.0f              %016" PRIx64 "\n", flw1,
         flw2);
  printf("fadd.s 2+3             %016" PRIx64 "\n",
         FREG3("fadd.s ft2, ft0, ft1", 0xffffffff40000000ULL, 0xffffffff40400000ULL));
  printf("fcvt.s.d pi            %016" PRIx64 "\n",
         FREG3("fcvt.s.d ft2, ft0", 0x400921fb54442d18ULL, 0));
  printf("fneg.s 2.0             %016" PRIx64 "\n",
         FREG3("fneg.s ft2, ft0", 0xffffffff40000000ULL, 0));
  printf("fcvt.s.w -7            %016" PRIx64 "\n", FREG3("fcvt.s.w ft2, %2", 0, (uint64_t)-7));
  printf("fmin.s boxed 1, 2      %016" PRIx64 "\n",
         FREG3("fmin.s ft2, ft0, ft1", BOXED_ONE, 0xffffffff40000000ULL));

  /* Improperly boxed inputs: upper 32 bits not all ones. */
  static const uint64_t unboxed[] = {0x000000003f800000ULL, 0xfffffffe3f800000ULL,
                                     0x7fffffff3f800000ULL, 0x3ff0000000000000ULL,
                                     0x00000000bf800000ULL};
  for (size_t i = 0; i < sizeof unboxed / sizeof unboxed[0]; ++i) {
    uint64_t u = unboxed[i];
    printf("unboxed %016" PRIx64 ":\n", u);
    printf("  fadd.s +1   %016" PRIx64 "\n", FREG3("fadd.s ft2, ft0, ft1", u, BOXED_ONE));
    printf("  fsgnj.s     %016" PRIx64 "\n", FREG3("fsgnj.s ft2, ft0, ft1", u, BOXED_ONE));
    printf("  fsgnj.s rs2 %016" PRIx64 "\n", FREG3("fsgnj.s ft2, ft1, ft0", u, BOXED_ONE));
    printf("  fmin.s      %016" PRIx64 "\n", FREG3("fmin.s ft2, ft0, ft1", u, BOXED_ONE));
    printf("  fcvt.d.s    %016" PRIx64 "\n", FREG3("fcvt.d.s ft2, ft0", u, 0));
    printf("  fmadd.s     %016" PRIx64 "\n", FREG3("fmadd.s ft2, ft1, ft1, ft0", u, BOXED_ONE));
    printf("  fclass.s    %03" PRIx64 "\n", FINT("fclass.s %0, ft0", u, 0));
    printf("  feq.s self  %" PRIu64 "\n", FINT("feq.s %0, ft0, ft0", u, 0));
    printf("  fcvt.w.s    %016" PRIx64 "\n", FINT("fcvt.w.s %0, ft0, rtz", u, 0));
    printf("  fmv.x.w     %016" PRIx64 "\n", FINT("fmv.x.w %0, ft0", u, 0));
    __asm__ volatile("fmv.d.x ft0, %1\n fsw ft0, 0(%0)" : : "r"(&stored), "r"(u) : "ft0", "memory");
    printf("  fsw stores  %08" PRIx32 "\n", stored);
  }
  printf("fmv.x.w of boxed -pi   %016" PRIx64 "\n",
         FINT("fmv.x.w %0, ft0", 0xffffffffc0490fdbULL, 0));
  /* fld/fsd move raw 64-bit patterns, even NaN-boxed singles and signalling NaNs. */
  static uint64_t mem_d[2] = {0xffffffff7f800001ULL, 0x7ff0000000000001ULL};
  static uint64_t out_d[2];
  __asm__ volatile("fld ft0, 0(%0)\n fld ft1, 8(%0)\n fsd ft0, 0(%1)\n fsd ft1, 8(%1)"
                   :
                   : "r"(mem_d), "r"(out_d)
                   : "ft0", "ft1", "memory");
  printf("fld/fsd round trip     %016" PRIx64 " %016" PRIx64 "\n", out_d[0], out_d[1]);
  return 0;
}
