/* rv64i_alu: RV64I integer instructions at instruction level where emulators typically slip:
 * 32-bit *w operations sign-extending their results, shift amounts taken from the low 6 bits
 * (5 for *w) of the register, 12-bit immediates sign-extended (andi/xori/sltiu with negative
 * immediates), lui sign-extending bit 31 on RV64, auipc, slt/sltu, loads sign- or zero-
 * extending each width, partial stores leaving neighbours untouched, and writes to x0 being
 * discarded. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define RR(op, a, b)                                                \
  ({                                                                \
    uint64_t r_;                                                    \
    __asm__ volatile(op " %0, %1, %2" : "=r"(r_) : "r"(a), "r"(b)); \
    r_;                                                             \
  })
#define RI(op, a, imm)                                         \
  ({                                                           \
    uint64_t r_;                                               \
    __asm__ volatile(op " %0, %1, " #imm : "=r"(r_) : "r"(a)); \
    r_;                                                        \
  })
#define P(label, v) printf("  %-14s %016" PRIx64 "\n", label, (uint64_t)(v))

int main(void) {
  static const uint64_t vals[] = {0,
                                  1,
                                  0x7fffffff,
                                  0x80000000,
                                  0xffffffff,
                                  0xfffffffffffff800ULL,
                                  0x8000000000000000ULL,
                                  0x0123456789abcdefULL,
                                  (uint64_t)-1};
  static const uint64_t shamts[] = {0, 1, 31, 32, 33, 63, 64, 65, 0xffffffffffffffc1ULL};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; ++i) {
    uint64_t a = vals[i];
    printf("a=%016" PRIx64 "\n", a);
    P("addw a,a", RR("addw", a, a));
    P("subw 0,a", RR("subw", (uint64_t)0, a));
    P("addiw a,-1", RI("addiw", a, -1));
    P("addiw a,2047", RI("addiw", a, 2047));
    P("andi a,-2048", RI("andi", a, -2048));
    P("ori a,-1", RI("ori", a, -1));
    P("xori a,-1", RI("xori", a, -1));
    P("slti a,-1", RI("slti", a, -1));
    P("sltiu a,-1", RI("sltiu", a, -1));
    P("sltiu a,1", RI("sltiu", a, 1));
    P("slli a,63", RI("slli", a, 63));
    P("srli a,1", RI("srli", a, 1));
    P("srai a,63", RI("srai", a, 63));
    P("slliw a,31", RI("slliw", a, 31));
    P("srliw a,0", RI("srliw", a, 0));
    P("sraiw a,31", RI("sraiw", a, 31));
    for (size_t j = 0; j < sizeof shamts / sizeof shamts[0]; ++j) {
      uint64_t s = shamts[j];
      printf("  sh %016" PRIx64 ": sll %016" PRIx64 " srl %016" PRIx64 " sra %016" PRIx64
             " sllw %016" PRIx64 " srlw %016" PRIx64 " sraw %016" PRIx64 "\n",
             s, RR("sll", a, s), RR("srl", a, s), RR("sra", a, s), RR("sllw", a, s),
             RR("srlw", a, s), RR("sraw", a, s));
    }
    for (size_t j = 0; j < sizeof vals / sizeof vals[0]; ++j) {
      uint64_t b = vals[j];
      printf("  vs %016" PRIx64 ": slt %" PRIu64 " sltu %" PRIu64 " add %016" PRIx64
             " sub %016" PRIx64 " and %016" PRIx64 " or %016" PRIx64 " xor %016" PRIx64 "\n",
             b, RR("slt", a, b), RR("sltu", a, b), RR("add", a, b), RR("sub", a, b),
             RR("and", a, b), RR("or", a, b), RR("xor", a, b));
    }
  }
  uint64_t l1, l2, l3;
  __asm__ volatile("lui %0, 0x80000" : "=r"(l1));
  __asm__ volatile("lui %0, 0x7ffff" : "=r"(l2));
  __asm__ volatile("lui %0, 0xfffff" : "=r"(l3));
  printf("lui 0x80000 %016" PRIx64 " 0x7ffff %016" PRIx64 " 0xfffff %016" PRIx64 "\n", l1, l2, l3);
  uint64_t pc1, pc2;
  __asm__ volatile(
      ".option push\n.option norvc\n"
      "auipc %0, 0\n auipc %1, 1\n"
      ".option pop"
      : "=r"(pc1), "=r"(pc2));
  printf("auipc difference %" PRIx64 " (expect 1004)\n", pc2 - pc1);

  static uint8_t mem[32] __attribute__((aligned(16)));
  for (int i = 0; i < 32; ++i) mem[i] = (uint8_t)(0xf0 + i);
  uint64_t lb, lbu, lh, lhu, lw, lwu, ld;
  __asm__ volatile("lb %0, 15(%1)" : "=r"(lb) : "r"(mem));
  __asm__ volatile("lbu %0, 15(%1)" : "=r"(lbu) : "r"(mem));
  __asm__ volatile("lh %0, 14(%1)" : "=r"(lh) : "r"(mem));
  __asm__ volatile("lhu %0, 14(%1)" : "=r"(lhu) : "r"(mem));
  __asm__ volatile("lw %0, 12(%1)" : "=r"(lw) : "r"(mem));
  __asm__ volatile("lwu %0, 12(%1)" : "=r"(lwu) : "r"(mem));
  __asm__ volatile("ld %0, 8(%1)" : "=r"(ld) : "r"(mem));
  printf("lb %016" PRIx64 " lbu %016" PRIx64 " lh %016" PRIx64 " lhu %016" PRIx64 "\n", lb, lbu, lh,
         lhu);
  printf("lw %016" PRIx64 " lwu %016" PRIx64 " ld %016" PRIx64 "\n", lw, lwu, ld);
  uint64_t lneg;
  __asm__ volatile("ld %0, -8(%1)" : "=r"(lneg) : "r"(mem + 24));
  printf("ld with negative offset %016" PRIx64 "\n", lneg);
  uint64_t pattern = 0x1122334455667788ULL;
  __asm__ volatile("sb %0, 0(%1)\n sh %0, 2(%1)\n sw %0, 4(%1)\n sd %0, 16(%1)"
                   :
                   : "r"(pattern), "r"(mem)
                   : "memory");
  printf("after stores:");
  for (int i = 0; i < 32; ++i) printf(" %02x", mem[i]);
  printf("\n");
  uint64_t discard;
  __asm__ volatile("li t0, 5\n addi zero, t0, 1\n add %0, zero, zero" : "=r"(discard) : : "t0");
  printf("x0 stays zero: %" PRIu64 "\n", discard);
  return 0;
}
