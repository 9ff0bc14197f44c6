/* Reserving 1 GiB with mmap must work (as on Linux); only touched pages count. */
#include <stdio.h>
#include <sys/mman.h>
int main(void) {
  size_t len = 1ul << 30;
  unsigned char* p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  unsigned long sum = 0;
  for (size_t i = 0; i < len; i += 1 << 20) sum += p[i];  /* reads: zero page, free */
  for (size_t i = 0; i < 64; ++i) p[i * 4096] = 1;         /* 64 pages written */
  printf("sum=%lu touched=%d\n", sum, p[0] + p[4096 * 63]);
  return munmap(p, len);
}
