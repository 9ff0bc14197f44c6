/* Shared helpers for the riscv-vs-qemu compute kernels.
 *
 * Every kernel is a self-contained static RISC-V program that does a fixed amount of work and
 * prints one checksum line, so the runner can check forkbox and qemu-riscv64 computed the same
 * thing. The work amount is scaled by an optional argv[1] (a percentage, default 100) so the same
 * binary serves the timed comparison and short profiling runs. Checksums depend on the scale. */
#ifndef FORKBOX_BENCH_KERNEL_COMMON_H
#define FORKBOX_BENCH_KERNEL_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Upper bound on the scale so a typo cannot make a kernel run for hours. */
enum { kMaxScalePercent = 10000 };

static inline long kernel_scale_percent(int argc, char **argv) {
  if (argc < 2) return 100;
  long p = strtol(argv[1], NULL, 10);
  if (p < 1) p = 1;
  if (p > kMaxScalePercent) p = kMaxScalePercent;
  return p;
}

/* Scales a base iteration count by the percentage, never below one iteration. */
static inline long kernel_scaled(long base, long percent) {
  long n = base * percent / 100;
  return n < 1 ? 1 : n;
}

/* xorshift64*: a deterministic input generator, identical on every engine. */
static inline uint64_t kernel_rand(uint64_t *state) {
  uint64_t x = *state;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  *state = x;
  return x * 0x2545F4914F6CDD1DULL;
}

/* Doubles are reported by bit pattern too: the comparison must be exact, not "close". */
static inline uint64_t kernel_double_bits(double d) {
  uint64_t bits;
  memcpy(&bits, &d, sizeof bits);
  return bits;
}

static inline void *kernel_alloc(size_t bytes) {
  void *p = malloc(bytes);
  if (p == NULL) {
    fprintf(stderr, "kernel: out of memory allocating %zu bytes\n", bytes);
    exit(2);
  }
  return p;
}

#endif
