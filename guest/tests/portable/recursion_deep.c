/* recursion_deep: deep non-tail recursion (20000 frames carrying a local array, about 2 MiB of
 * stack, well inside the usual 8 MiB), mutual recursion, Ackermann(2, n) and a recursive
 * permutation generator. Exercises stack growth and call/return (jal/jalr, ra save/restore). */
#include <stdio.h>
#include <string.h>

static unsigned long deep(int n, unsigned long acc) {
  volatile char pad[64];
  memset((char*)pad, n & 0xff, sizeof pad);
  if (n == 0) return acc;
  unsigned long r = deep(n - 1, acc * 31 + (unsigned long)n);
  return r + pad[n % 64];
}

static int is_odd(unsigned n);
static int is_even(unsigned n) {
  return n == 0 ? 1 : is_odd(n - 1);
}
static int is_odd(unsigned n) {
  return n == 0 ? 0 : is_even(n - 1);
}

static unsigned long ackermann(unsigned long m, unsigned long n) {
  if (m == 0) return n + 1;
  if (n == 0) return ackermann(m - 1, 1);
  return ackermann(m - 1, ackermann(m, n - 1));
}

static int perm_count;
static unsigned long perm_hash;
static void permute(char* s, int k, int n) {
  if (k == n) {
    ++perm_count;
    for (int i = 0; i < n; ++i) perm_hash = perm_hash * 131 + (unsigned char)s[i];
    return;
  }
  for (int i = k; i < n; ++i) {
    char t = s[k];
    s[k] = s[i];
    s[i] = t;
    permute(s, k + 1, n);
    t = s[k];
    s[k] = s[i];
    s[i] = t;
  }
}

int main(void) {
  printf("deep(20000) = %lu\n", deep(20000, 1));
  printf("is_even(10001) = %d, is_odd(7777) = %d\n", is_even(10001), is_odd(7777));
  for (unsigned long n = 0; n <= 200; n += 50)
    printf("ackermann(2,%lu) = %lu\n", n, ackermann(2, n));
  printf("ackermann(3,5) = %lu\n", ackermann(3, 5));
  char s[] = "abcdefgh";
  permute(s, 0, 8);
  printf("permutations %d hash %lu\n", perm_count, perm_hash);
  return 0;
}
