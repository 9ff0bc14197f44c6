/* compressed_dense: the C extension. A hand-written routine uses every RV64C instruction form
 * (c.li, c.lui, c.addi, c.addiw, c.addi16sp, c.addi4spn, c.slli, c.srli, c.srai, c.andi, c.mv,
 * c.add, c.sub, c.xor, c.or, c.and, c.addw, c.subw, c.lw, c.ld, c.sw, c.sd, c.lwsp, c.ldsp,
 * c.swsp, c.sdsp, c.fld, c.fsd, c.fldsp, c.fsdsp, c.j, c.jr, c.jalr, c.beqz, c.bnez, c.nop)
 * with sign-extension edge cases, and records every intermediate result; then many tiny
 * noinline C functions, which the compiler encodes mostly in 16-bit instructions, are called in
 * a loop so the code stream mixes 16- and 32-bit instructions densely. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

uint64_t rvc_kernel(uint64_t* out, uint64_t x, double y);

__asm__(
    ".text\n"
    ".option push\n"
    ".option rvc\n"
    ".globl rvc_kernel\n"
    ".type rvc_kernel, @function\n"
    "rvc_kernel:\n"
    "  c.li a2, -17\n"
    "  c.sd a2, 0(a0)\n"
    "  c.addi a2, 31\n"
    "  c.sd a2, 8(a0)\n"
    "  c.lui a3, 0x1f\n"
    "  c.sd a3, 16(a0)\n"
    "  c.lui a3, 0xfffe0\n"
    "  c.addiw a3, -1\n"
    "  c.sd a3, 24(a0)\n"
    "  c.mv a4, a1\n"
    "  c.slli a4, 13\n"
    "  c.sd a4, 32(a0)\n"
    "  c.mv a4, a1\n"
    "  c.srli a4, 3\n"
    "  c.sd a4, 40(a0)\n"
    "  c.mv a4, a1\n"
    "  c.srai a4, 60\n"
    "  c.sd a4, 48(a0)\n"
    "  c.mv a4, a1\n"
    "  c.andi a4, -6\n"
    "  c.sd a4, 56(a0)\n"
    "  c.mv a5, a1\n"
    "  c.add a5, a2\n"
    "  c.sd a5, 64(a0)\n"
    "  c.sub a5, a3\n"
    "  c.sd a5, 72(a0)\n"
    "  c.xor a5, a1\n"
    "  c.sd a5, 80(a0)\n"
    "  c.or a5, a4\n"
    "  c.sd a5, 88(a0)\n"
    "  c.and a5, a2\n"
    "  c.sd a5, 96(a0)\n"
    "  c.mv a5, a1\n"
    "  c.addw a5, a1\n"
    "  c.sd a5, 104(a0)\n"
    "  c.subw a5, a3\n"
    "  c.sd a5, 112(a0)\n"
    "  c.sw a5, 120(a0)\n"
    "  c.lw a4, 120(a0)\n"
    "  c.sd a4, 128(a0)\n"
    "  c.ld a4, 16(a0)\n"
    "  c.sd a4, 136(a0)\n"
    "  c.nop\n"
    "  c.addi16sp sp, -64\n"
    "  c.sdsp a1, 8(sp)\n"
    "  c.swsp a2, 16(sp)\n"
    "  c.ldsp a4, 8(sp)\n"
    "  c.lwsp a5, 16(sp)\n"
    "  c.addi4spn a3, sp, 24\n"
    "  c.sd a1, 0(a3)\n"
    "  c.ld a2, 0(a3)\n"
    "  c.fsdsp fa0, 40(sp)\n"
    "  c.fldsp fa1, 40(sp)\n"
    "  c.fsd fa1, 8(a3)\n"
    "  c.fld fa2, 8(a3)\n"
    "  c.addi16sp sp, 64\n"
    "  c.sd a4, 144(a0)\n"
    "  c.sd a5, 152(a0)\n"
    "  c.sd a2, 160(a0)\n"
    "  fmv.x.d a4, fa2\n"
    "  c.sd a4, 168(a0)\n"
    "  c.li a4, 0\n"
    "  c.li a5, 5\n"
    "1:\n"
    "  c.addi a4, 3\n"
    "  c.addi a5, -1\n"
    "  c.bnez a5, 1b\n"
    "  c.beqz a5, 2f\n"
    "  c.li a4, 0\n"
    "2:\n"
    "  c.j 3f\n"
    "  c.li a4, 1\n"
    "3:\n"
    "  c.mv t0, ra\n"
    "  lla a5, 4f\n"
    "  c.jalr a5\n"
    "  c.mv ra, t0\n"
    "  c.sd a4, 176(a0)\n"
    "  c.mv a0, a1\n"
    "  c.addi a0, 1\n"
    "  c.jr ra\n"
    "4:\n"
    "  c.addi a4, 7\n"
    "  c.jr ra\n"
    ".size rvc_kernel, .-rvc_kernel\n"
    ".option pop\n");

#define TINY(name, expr)                                       \
  static __attribute__((noinline)) uint64_t name(uint64_t x) { \
    return expr;                                               \
  }
TINY(t0, x + 1)
TINY(t1, x - 3)
TINY(t2, x << 2)
TINY(t3, x >> 1)
TINY(t4, x ^ 0x15)
TINY(t5, x | 8)
TINY(t6, x & ~7ULL)
TINY(t7, (uint64_t)(int32_t)(x + 0x7ff))
TINY(t8, x * 3)
TINY(t9, x + (x >> 4))
TINY(t10, x ? x - 1 : 31)
TINY(t11, (x & 1) ? x + 17 : x >> 2)
TINY(t12, x + 0x10)
TINY(t13, ~x & 0xffff)
TINY(t14, (uint64_t)((int64_t)x >> 3))
TINY(t15, x + 0x3e0)

static uint64_t (*const table[])(uint64_t) = {t0, t1, t2,  t3,  t4,  t5,  t6,  t7,
                                              t8, t9, t10, t11, t12, t13, t14, t15};

int main(void) {
  uint64_t out[32];
  static const uint64_t xs[] = {0x123456789abcdef0ULL, 0x8000000080000001ULL, 0x7fffffffULL};
  for (size_t k = 0; k < sizeof xs / sizeof xs[0]; ++k) {
    memset(out, 0, sizeof out);
    uint64_t r = rvc_kernel(out, xs[k], -2.75);
    printf("x=%016" PRIx64 " returned %016" PRIx64 "\n", xs[k], r);
    for (int i = 0; i < 23; ++i) printf("  out[%2d] %016" PRIx64 "\n", i, out[i]);
  }
  uint64_t acc = 7;
  for (int i = 0; i < 100000; ++i) acc = table[(acc + (uint64_t)i) & 15](acc) & 0xffffffffffULL;
  printf("tiny-function chain %016" PRIx64 "\n", acc);
  return 0;
}
