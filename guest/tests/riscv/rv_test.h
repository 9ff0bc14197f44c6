/* rv_test.h: small helpers shared by the RISC-V instruction-level guest tests: access to the
 * floating-point CSRs (fflags, frm, fcsr), bit-pattern moves between integer and FP registers
 * without any conversion, and printing of exception flags. Everything is static inline and
 * header-only so each test stays a single translation unit. The FP moves use fmv.d.x/fmv.x.d
 * so that the exact register contents, including NaN-boxing, are what the tests see. */
#ifndef FORKBOX_GUEST_RV_TEST_H
#define FORKBOX_GUEST_RV_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

/* fflags bits, in the order the ISA manual lists them. */
#define RV_NX 0x01u
#define RV_UF 0x02u
#define RV_OF 0x04u
#define RV_DZ 0x08u
#define RV_NV 0x10u

/* Rounding-mode field values (frm and the instruction rm field). */
#define RV_RNE 0u
#define RV_RTZ 1u
#define RV_RDN 2u
#define RV_RUP 3u
#define RV_RMM 4u

static inline uint32_t rv_read_fflags(void) {
  uint64_t v;
  __asm__ volatile("frflags %0" : "=r"(v) : : "memory");
  return (uint32_t)v;
}

/* The "memory" clobbers keep the compiler from moving memory accesses (and so the FP work that
 * depends on them) across a change of the FP environment. */
static inline void rv_clear_fflags(void) {
  __asm__ volatile("fsflags zero" : : : "memory");
}

static inline uint32_t rv_read_frm(void) {
  uint64_t v;
  __asm__ volatile("frrm %0" : "=r"(v));
  return (uint32_t)v;
}

static inline void rv_write_frm(uint32_t mode) {
  uint64_t m = mode;
  __asm__ volatile("fsrm %0" : : "r"(m) : "memory");
}

static inline uint32_t rv_read_fcsr(void) {
  uint64_t v;
  __asm__ volatile("frcsr %0" : "=r"(v));
  return (uint32_t)v;
}

/* Names the set bits of an fflags value, e.g. "NV|NX", or "-" when none is set. */
static inline const char* rv_flag_names(uint32_t f) {
  static char buf[5][20];
  static int next;
  char* out = buf[next++ % 5];
  char* p = out;
  static const struct {
    uint32_t bit;
    const char* name;
  } names[] = {{RV_NV, "NV"}, {RV_DZ, "DZ"}, {RV_OF, "OF"}, {RV_UF, "UF"}, {RV_NX, "NX"}};
  for (int i = 0; i < 5; ++i) {
    if (!(f & names[i].bit)) continue;
    if (p != out) *p++ = '|';
    *p++ = names[i].name[0];
    *p++ = names[i].name[1];
  }
  if (p == out) *p++ = '-';
  *p = '\0';
  return out;
}

static inline const char* rv_mode_name(uint32_t mode) {
  static const char* names[] = {"RNE", "RTZ", "RDN", "RUP", "RMM"};
  return mode < 5 ? names[mode] : "?";
}

/* Raw 64-bit FP register <-> integer register moves (no conversion, no canonicalisation). */
static inline double rv_d_from_bits(uint64_t bits) {
  double d;
  __asm__ volatile("fmv.d.x %0, %1" : "=f"(d) : "r"(bits));
  return d;
}

static inline uint64_t rv_bits_from_d(double d) {
  uint64_t bits;
  __asm__ volatile("fmv.x.d %0, %1" : "=r"(bits) : "f"(d));
  return bits;
}

/* Single-precision values are held NaN-boxed in the 64-bit register: fmv.w.x boxes them. */
static inline float rv_f_from_bits(uint32_t bits) {
  float f;
  __asm__ volatile("fmv.w.x %0, %1" : "=f"(f) : "r"((uint64_t)bits));
  return f;
}

static inline uint32_t rv_bits_from_f(float f) {
  uint64_t bits;
  __asm__ volatile("fmv.x.w %0, %1" : "=r"(bits) : "f"(f));
  return (uint32_t)bits;
}

#endif
