/* int128: 128-bit integer arithmetic (multiplication, division and modulo through libgcc's
 * __udivti3/__divti3, shifts across the 64-bit boundary, comparisons), printed in decimal with
 * a hand-written converter since printf has no 128-bit conversion. */
#include <stdint.h>
#include <stdio.h>

typedef unsigned __int128 u128;
typedef __int128 i128;

static void print_u128(const char* label, u128 v) {
  char buf[48];
  int pos = 47;
  buf[pos] = '\0';
  do {
    buf[--pos] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  printf("%s%s\n", label, buf + pos);
}

static void print_i128(const char* label, i128 v) {
  if (v < 0) {
    printf("%s-", label);
    print_u128("", (u128)0 - (u128)v);
  } else {
    print_u128(label, (u128)v);
  }
}

int main(void) {
  volatile uint64_t a = 0xfedcba9876543210ULL, b = 0x0123456789abcdefULL;
  u128 p = (u128)a * b;
  printf("hi %016llx lo %016llx\n", (unsigned long long)(p >> 64), (unsigned long long)p);
  print_u128("product ", p);
  print_u128("product / 1e19 = ", p / 10000000000000000000ULL);
  print_u128("product % 1e19 = ", p % 10000000000000000000ULL);
  u128 max = ~(u128)0;
  print_u128("max = ", max);
  print_u128("max / 3 = ", max / 3);
  print_u128("max / b = ", max / b);
  print_u128("max % b = ", max % b);
  i128 smin = (i128)((u128)1 << 127);
  print_i128("smin = ", smin);
  print_i128("smin / 7 = ", smin / 7);
  print_i128("smin % 7 = ", smin % 7);
  print_i128("-(10^30) / -(10^15) = ",
             -(i128)1000000000000000LL * 1000000000000000LL / -(i128)1000000000000000LL);
  for (int s = 0; s < 128; s += 17) {
    u128 x = (u128)a << s;
    i128 y = (i128)((u128)a << 64 | b) >> s;
    printf("shift %3d: %016llx%016llx sar %016llx%016llx\n", s, (unsigned long long)(x >> 64),
           (unsigned long long)x, (unsigned long long)((u128)y >> 64), (unsigned long long)y);
  }
  /* Factorials up to 34! fit in an unsigned 128-bit integer. */
  u128 f = 1;
  for (unsigned i = 1; i <= 34; ++i) f *= i;
  print_u128("34! = ", f);
  /* Fibonacci until overflow, detected with the builtin. */
  u128 x = 0, y = 1;
  int n = 1;
  for (;;) {
    u128 z;
    if (__builtin_add_overflow(x, y, &z)) break;
    x = y;
    y = z;
    ++n;
  }
  printf("largest 128-bit Fibonacci index %d\n", n);
  print_u128("F = ", y);
  printf("compare: %d %d %d\n", (i128)-1 < (i128)0, (u128)-1 > (u128)0, smin < -(i128)(max / 4));
  return 0;
}
