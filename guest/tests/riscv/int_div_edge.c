/* int_div_edge: the M extension at instruction level, where RISC-V defines what C leaves
 * undefined: division by zero (quotient all ones, remainder the dividend), signed overflow
 * (INT_MIN / -1 = INT_MIN, remainder 0), for div/divu/rem/remu and the 32-bit divw/divuw/remw/
 * remuw (whose results are sign-extended to 64 bits), plus mul/mulh/mulhsu/mulhu/mulw on sign
 * and magnitude edge cases. No instruction traps; every result is printed in hex. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#define RR(op, a, b)                                                \
  ({                                                                \
    uint64_t r_;                                                    \
    __asm__ volatile(op " %0, %1, %2" : "=r"(r_) : "r"(a), "r"(b)); \
    r_;                                                             \
  })

int main(void) {
  static const uint64_t vals[] = {0,
                                  1,
                                  2,
                                  3,
                                  (uint64_t)-1,
                                  (uint64_t)-2,
                                  (uint64_t)-7,
                                  7,
                                  0x7fffffffULL,
                                  0x80000000ULL,
                                  0xffffffffULL,
                                  0xffffffff80000000ULL,
                                  0x7fffffffffffffffULL,
                                  0x8000000000000000ULL,
                                  0x123456789abcdef0ULL,
                                  0x00000001fffffffdULL};
  const size_t n = sizeof vals / sizeof vals[0];
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      uint64_t a = vals[i], b = vals[j];
      printf("%016" PRIx64 " %016" PRIx64 "\n", a, b);
      printf("  div %016" PRIx64 " divu %016" PRIx64 " rem %016" PRIx64 " remu %016" PRIx64 "\n",
             RR("div", a, b), RR("divu", a, b), RR("rem", a, b), RR("remu", a, b));
      printf("  divw %016" PRIx64 " divuw %016" PRIx64 " remw %016" PRIx64 " remuw %016" PRIx64
             "\n",
             RR("divw", a, b), RR("divuw", a, b), RR("remw", a, b), RR("remuw", a, b));
      printf("  mul %016" PRIx64 " mulh %016" PRIx64 " mulhsu %016" PRIx64 " mulhu %016" PRIx64
             " mulw %016" PRIx64 "\n",
             RR("mul", a, b), RR("mulh", a, b), RR("mulhsu", a, b), RR("mulhu", a, b),
             RR("mulw", a, b));
    }
  }
  /* The same operation with rd equal to a source register (interpreters sometimes write the
   * destination before reading both sources). */
  uint64_t x = 100, y = 7;
  __asm__ volatile("div %0, %0, %1" : "+r"(x) : "r"(y));
  uint64_t z = 100;
  __asm__ volatile("rem %0, %1, %0" : "+r"(y) : "r"(z));
  printf("in-place div %" PRIu64 " rem %" PRIu64 "\n", x, y);
  return 0;
}
