/* getrandom_len: calls getrandom(2) with lengths from 0 to 4096 and with GRND_NONBLOCK, and
 * prints only the lengths returned (the bytes themselves are random), plus whether a 256-byte
 * buffer was overwritten at all (the chance that 256 random bytes are all zero is nil) and
 * whether two draws differ. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

int main(void) {
  static const size_t lens[] = {0, 1, 7, 16, 32, 255, 256, 257, 1000, 4096};
  unsigned char buf[4096];
  for (size_t i = 0; i < sizeof lens / sizeof lens[0]; ++i) {
    ssize_t n = getrandom(buf, lens[i], 0);
    printf("getrandom(%zu) = %zd\n", lens[i], n);
  }
  printf("getrandom(64, GRND_NONBLOCK) = %zd\n", getrandom(buf, 64, GRND_NONBLOCK));
  unsigned char a[256], b[256];
  memset(a, 0, sizeof a);
  ssize_t na = getrandom(a, sizeof a, 0);
  ssize_t nb = getrandom(b, sizeof b, 0);
  int nonzero = 0;
  for (size_t i = 0; i < sizeof a; ++i) nonzero |= a[i];
  printf("lengths %zd %zd, filled: %s, draws differ: %s\n", na, nb, nonzero ? "yes" : "no",
         memcmp(a, b, sizeof a) != 0 ? "yes" : "no");
  errno = 0;
  ssize_t bad = getrandom(buf, 16, 0x1000);
  printf("invalid flags: %zd %s\n", bad, errno == EINVAL ? "EINVAL" : "other");
  return 0;
}
