/* mem_stream: memory-bound kernel.
 *
 * Two halves that stress the two memory paths of an emulator. First, STREAM-style copy, scale,
 * add and triad over three 16 MiB double arrays (48 MiB in all, far beyond L2 and most L3s):
 * sequential loads and stores, so the cost is the guest-address translation per access plus host
 * DRAM bandwidth. Second, a dependent pointer chase through an 8 MiB single-cycle permutation
 * (Sattolo's algorithm), where every load misses and depends on the one before it. */
#include "kernel_common.h"

enum { kStreamElems = 2 * 1024 * 1024 };
enum { kChaseElems = 2 * 1024 * 1024 };
enum { kBaseStreamPasses = 3 };
enum { kBaseChaseSteps = 6 * 1000 * 1000 };

static void stream_pass(double *x, double *y, double *z, double scalar) {
  for (size_t i = 0; i < kStreamElems; ++i) z[i] = x[i];                /* copy */
  for (size_t i = 0; i < kStreamElems; ++i) y[i] = scalar * z[i];       /* scale */
  for (size_t i = 0; i < kStreamElems; ++i) z[i] = x[i] + y[i];         /* add */
  for (size_t i = 0; i < kStreamElems; ++i) x[i] = y[i] + scalar * z[i]; /* triad */
}

/* Sattolo's shuffle yields one cycle through every element, so the chase never short-circuits. */
static void build_cycle(uint32_t *next, uint64_t *seed) {
  for (uint32_t i = 0; i < kChaseElems; ++i) next[i] = i;
  for (uint32_t i = kChaseElems - 1; i > 0; --i) {
    uint32_t j = (uint32_t)(kernel_rand(seed) % i);
    uint32_t t = next[i];
    next[i] = next[j];
    next[j] = t;
  }
}

int main(int argc, char **argv) {
  long percent = kernel_scale_percent(argc, argv);
  long passes = kernel_scaled(kBaseStreamPasses, percent);
  long chase_steps = kernel_scaled(kBaseChaseSteps, percent);

  double *x = kernel_alloc(sizeof(double) * kStreamElems);
  double *y = kernel_alloc(sizeof(double) * kStreamElems);
  double *z = kernel_alloc(sizeof(double) * kStreamElems);
  for (size_t i = 0; i < kStreamElems; ++i) {
    x[i] = 1.0 + (double)(i & 1023) / 1024.0;
    y[i] = 2.0;
    z[i] = 0.0;
  }
  for (long p = 0; p < passes; ++p) stream_pass(x, y, z, 0.5);
  double sum = 0.0;
  for (size_t i = 0; i < kStreamElems; i += 61) sum += x[i] + y[i] - z[i];

  uint32_t *next = kernel_alloc(sizeof(uint32_t) * kChaseElems);
  uint64_t seed = 4242;
  build_cycle(next, &seed);
  uint32_t at = 0;
  uint64_t visited = 0;
  for (long s = 0; s < chase_steps; ++s) {
    at = next[at];
    visited += at;
  }
  printf("mem_stream passes=%ld sum=%.9f bits=%016llx chase=%ld at=%u visited=%016llx\n", passes,
         sum, (unsigned long long)kernel_double_bits(sum), chase_steps, at,
         (unsigned long long)visited);
  free(next);
  free(z);
  free(y);
  free(x);
  return 0;
}
