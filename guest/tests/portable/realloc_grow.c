/* realloc_grow: grows a buffer by doubling and by small steps up to several MiB (crossing the
 * mmap threshold, where glibc switches to mremap), checking after each step that the old
 * contents survived, then shrinks it back. Prints only sizes and checksums. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static int verify(const unsigned char* p, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (p[i] != (unsigned char)(i * 7 + 3)) return 0;
  return 1;
}

int main(void) {
  size_t size = 1;
  unsigned char* p = malloc(size);
  if (!p) return 1;
  p[0] = 3;
  int steps = 0;
  while (size < ((size_t)8 << 20)) {
    size_t next = (steps % 3 == 2) ? size + 1000 : size * 2;
    unsigned char* q = realloc(p, next);
    if (!q) return 1;
    p = q;
    if (!verify(p, size)) {
      printf("contents lost growing %zu -> %zu\n", size, next);
      return 1;
    }
    for (size_t i = size; i < next; ++i) p[i] = (unsigned char)(i * 7 + 3);
    size = next;
    ++steps;
  }
  printf("grew to %zu bytes in %d steps\n", size, steps);
  while (size > 16) {
    size /= 3;
    unsigned char* q = realloc(p, size);
    if (!q) return 1;
    p = q;
    if (!verify(p, size)) {
      printf("contents lost shrinking to %zu\n", size);
      return 1;
    }
  }
  printf("shrunk to %zu bytes, contents intact\n", size);
  free(p);
  unsigned char* z = realloc(NULL, 100);
  printf("realloc(NULL, 100) works: %s\n", z ? "yes" : "no");
  free(z);
  /* Many buffers growing in lockstep, so their chunks keep bumping into each other. */
  enum { kBuffers = 16 };
  uint32_t* bufs[kBuffers] = {0};
  size_t lens[kBuffers] = {0};
  uint64_t sum = 0;
  for (int round = 0; round < 2000; ++round) {
    int b = (round * 7) % kBuffers;
    uint32_t* q = realloc(bufs[b], (lens[b] + 1) * sizeof *q);
    if (!q) return 1;
    bufs[b] = q;
    bufs[b][lens[b]] = (uint32_t)round;
    ++lens[b];
  }
  for (int b = 0; b < kBuffers; ++b) {
    for (size_t i = 0; i < lens[b]; ++i) sum = sum * 1000003 + bufs[b][i];
    free(bufs[b]);
  }
  printf("lockstep checksum %016llx\n", (unsigned long long)sum);
  return 0;
}
