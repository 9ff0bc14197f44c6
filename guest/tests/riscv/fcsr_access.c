/* fcsr_access: the Zicsr instructions on the three FP CSRs: fflags (0x001, 5 bits), frm
 * (0x002, 3 bits) and fcsr (0x003, frm << 5 | fflags, upper bits read as zero). Covers csrrw,
 * csrrs, csrrc and their immediate forms, the old value returned in rd, rd = x0 forms (pure
 * writes), rs1 = x0 forms (pure reads that must not write), writes of out-of-range bits being
 * masked, and that fflags/frm writes are visible through fcsr and vice versa. */
#include "rv_test.h"

#define CSRRW(csr, v)                                                                     \
  ({                                                                                      \
    uint64_t o_;                                                                          \
    __asm__ volatile("csrrw %0, " csr ", %1" : "=r"(o_) : "r"((uint64_t)(v)) : "memory"); \
    o_;                                                                                   \
  })
#define CSRRS(csr, v)                                                                     \
  ({                                                                                      \
    uint64_t o_;                                                                          \
    __asm__ volatile("csrrs %0, " csr ", %1" : "=r"(o_) : "r"((uint64_t)(v)) : "memory"); \
    o_;                                                                                   \
  })
#define CSRRC(csr, v)                                                                     \
  ({                                                                                      \
    uint64_t o_;                                                                          \
    __asm__ volatile("csrrc %0, " csr ", %1" : "=r"(o_) : "r"((uint64_t)(v)) : "memory"); \
    o_;                                                                                   \
  })
#define CSRR(csr)                                              \
  ({                                                           \
    uint64_t o_;                                               \
    __asm__ volatile("csrr %0, " csr : "=r"(o_) : : "memory"); \
    o_;                                                        \
  })

static void show(const char* what) {
  printf("%-40s fflags %02" PRIx64 " frm %" PRIx64 " fcsr %03" PRIx64 "\n", what, CSRR("fflags"),
         CSRR("frm"), CSRR("fcsr"));
}

int main(void) {
  CSRRW("fcsr", 0);
  show("after csrrw fcsr, 0");
  printf("csrrw fcsr, 0xffffffff returned old %03" PRIx64 "\n", CSRRW("fcsr", 0xffffffffu));
  show("after writing all ones to fcsr");
  printf("csrrw fflags, 0x3f5 returned old %02" PRIx64 "\n", CSRRW("fflags", 0x3f5));
  show("after csrrw fflags, 0x3f5");
  printf("csrrc fflags, 0x11 returned old %02" PRIx64 "\n", CSRRC("fflags", 0x11));
  show("after csrrc fflags, 0x11");
  printf("csrrs fflags, 0x2 returned old %02" PRIx64 "\n", CSRRS("fflags", 0x2));
  show("after csrrs fflags, 0x2");
  printf("csrrw frm, 0x1c returned old %" PRIx64 "\n", CSRRW("frm", 0x1c));
  show("after csrrw frm, 0x1c (masked to 4)");
  printf("csrrs frm, 3 returned old %" PRIx64 "\n", CSRRS("frm", 3));
  show("after csrrs frm, 3");
  printf("csrrc frm, 5 returned old %" PRIx64 "\n", CSRRC("frm", 5));
  show("after csrrc frm, 5");
  uint64_t old;
  __asm__ volatile("csrrwi %0, fflags, 0x1f" : "=r"(old) : : "memory");
  printf("csrrwi fflags, 0x1f returned old %02" PRIx64 "\n", old);
  __asm__ volatile("csrrci %0, fcsr, 0x0a" : "=r"(old) : : "memory");
  printf("csrrci fcsr, 0x0a returned old %03" PRIx64 "\n", old);
  show("after csrrci fcsr, 0x0a");
  __asm__ volatile("csrrsi %0, frm, 1" : "=r"(old) : : "memory");
  printf("csrrsi frm, 1 returned old %" PRIx64 "\n", old);
  show("after csrrsi frm, 1");
  __asm__ volatile("csrwi fcsr, 0x15" : : : "memory");
  show("after csrwi fcsr, 0x15 (rd = x0)");
  __asm__ volatile("csrs fcsr, %0" : : "r"((uint64_t)0xe0) : "memory");
  show("after csrs fcsr, 0xe0");
  __asm__ volatile("csrc fflags, %0" : : "r"((uint64_t)0x1f) : "memory");
  show("after csrc fflags, 0x1f");
  uint64_t r1, r2;
  __asm__ volatile("csrrs %0, fcsr, zero\n csrrc %1, fcsr, zero" : "=r"(r1), "=r"(r2) : : "memory");
  printf("csrrs/csrrc with rs1=x0 read %03" PRIx64 " %03" PRIx64 "\n", r1, r2);
  show("unchanged by those reads");
  uint64_t a, b, c;
  __asm__ volatile("fscsr %0, %3\n fsrm %1, %4\n fsflags %2, %5"
                   : "=&r"(a), "=&r"(b), "=&r"(c)
                   : "r"((uint64_t)0x4b), "r"((uint64_t)1), "r"((uint64_t)0x10)
                   : "memory");
  printf("swap pseudo-instructions returned fcsr %03" PRIx64 " frm %" PRIx64 " fflags %02" PRIx64
         "\n",
         a, b, c);
  show("after fscsr/fsrm/fsflags swaps");
  /* An FP operation ORs its flags into the current fflags. */
  double one = 1.0, three = 3.0, q;
  __asm__ volatile("fdiv.d %0, %1, %2, rne" : "=f"(q) : "f"(one), "f"(three));
  (void)q;
  show("after an inexact fdiv.d");
  CSRRW("fcsr", 0);
  show("reset");
  return 0;
}
