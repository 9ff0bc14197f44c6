/* int_arith_edge: integer edge cases that are defined in C on every target: unsigned wrap-around,
 * overflow-checking builtins, shifts by 0/31/63, signed/unsigned comparisons, narrowing and
 * sign-extending conversions, and division/remainder signs (never by zero or INT_MIN/-1, which
 * are undefined in C; riscv/int_div_edge.c covers those at instruction level). Operands come
 * through volatile so the compiler cannot fold them at -O2. */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

static volatile int64_t vs[] = {0,
                                1,
                                -1,
                                2,
                                -2,
                                7,
                                -7,
                                INT32_MAX,
                                INT32_MIN,
                                INT64_MAX,
                                INT64_MIN,
                                0x123456789abcdefLL,
                                -0x123456789abcdefLL};
static volatile uint64_t vu[] = {0,
                                 1,
                                 2,
                                 0x7fffffffULL,
                                 0x80000000ULL,
                                 0xffffffffULL,
                                 0x100000000ULL,
                                 UINT64_MAX,
                                 0x8000000000000000ULL,
                                 0xdeadbeefcafebabeULL};
#define N(a) (sizeof(a) / sizeof((a)[0]))

int main(void) {
  for (size_t i = 0; i < N(vu); ++i) {
    for (size_t j = 0; j < N(vu); ++j) {
      uint64_t a = vu[i], b = vu[j];
      uint64_t r;
      int ov_add = __builtin_add_overflow(a, b, &r);
      int ov_sub = __builtin_sub_overflow(a, b, &r);
      int ov_mul = __builtin_mul_overflow(a, b, &r);
      printf("u %016" PRIx64 " %016" PRIx64 ": + %016" PRIx64 " - %016" PRIx64 " * %016" PRIx64
             " ovf %d%d%d",
             a, b, a + b, a - b, a * b, ov_add, ov_sub, ov_mul);
      if (b != 0) printf(" / %016" PRIx64 " %% %016" PRIx64, a / b, a % b);
      uint32_t a32 = (uint32_t)a, b32 = (uint32_t)b;
      printf(" w+ %08" PRIx32 " w* %08" PRIx32 " lt %d\n", a32 + b32, a32 * b32, a < b);
    }
  }
  for (size_t i = 0; i < N(vs); ++i) {
    for (size_t j = 0; j < N(vs); ++j) {
      int64_t a = vs[i], b = vs[j];
      int64_t r;
      int ov_add = __builtin_add_overflow(a, b, &r);
      int ov_sub = __builtin_sub_overflow(a, b, &r);
      int ov_mul = __builtin_mul_overflow(a, b, &r);
      printf("s %" PRId64 " %" PRId64 ": ovf %d%d%d lt %d", a, b, ov_add, ov_sub, ov_mul, a < b);
      if (b != 0 && !(a == INT64_MIN && b == -1))
        printf(" / %" PRId64 " %% %" PRId64, a / b, a % b);
      int32_t a32 = (int32_t)a, b32 = (int32_t)b;
      if (b32 != 0 && !(a32 == INT32_MIN && b32 == -1))
        printf(" w/ %" PRId32 " w%% %" PRId32, a32 / b32, a32 % b32);
      printf("\n");
    }
  }
  static volatile unsigned shifts[] = {0, 1, 15, 31, 32, 33, 63};
  for (size_t i = 0; i < N(shifts); ++i) {
    unsigned s = shifts[i];
    uint64_t x = 0x8123456789abcdefULL;
    int64_t y = (int64_t)0x8123456789abcdefULL;
    printf("shift %2u: shl %016" PRIx64 " shr %016" PRIx64 " sar %016" PRIx64, s, x << s, x >> s,
           (uint64_t)(y >> s));
    if (s < 32) {
      uint32_t x32 = 0x89abcdefU;
      int32_t y32 = (int32_t)0x89abcdefU;
      printf(" w: shl %08" PRIx32 " shr %08" PRIx32 " sar %08" PRIx32, x32 << s, x32 >> s,
             (uint32_t)(y32 >> s));
    }
    printf("\n");
  }
  static volatile int64_t narrow[] = {0x7f,         0x80,   0xff,       0x7fff,
                                      0x8000,       0xffff, 0x7fffffff, 0x80000000LL,
                                      0xffffffffLL, -1,     -129,       0x1234567890LL};
  for (size_t i = 0; i < N(narrow); ++i) {
    int64_t v = narrow[i];
    printf("narrow %" PRIx64 ": i8 %d u8 %u i16 %d u16 %u i32 %" PRId32 " u32 %" PRIu32 "\n",
           (uint64_t)v, (int8_t)v, (uint8_t)v, (int16_t)v, (uint16_t)v, (int32_t)v, (uint32_t)v);
  }
  /* Mixed signed/unsigned comparisons follow the usual arithmetic conversions. */
  volatile int minus_one = -1;
  volatile unsigned one = 1;
  printf("-1 < 1u: %d, (long)-1 < 1u: %d\n", minus_one < (int)one, (long)minus_one < (long)one);
  printf("-1 as unsigned > 1u: %d\n", (unsigned)minus_one > one);
  /* Bit tricks the compiler lowers to Zbb at -O2 when available. */
  for (size_t i = 0; i < N(vu); ++i) {
    uint64_t v = vu[i];
    printf("bits %016" PRIx64 ": popc %d clz %d ctz %d bswap %016" PRIx64 " rotl13 %016" PRIx64
           "\n",
           v, __builtin_popcountll(v), v ? __builtin_clzll(v) : 64, v ? __builtin_ctzll(v) : 64,
           __builtin_bswap64(v), (v << 13) | (v >> 51));
  }
  return 0;
}
