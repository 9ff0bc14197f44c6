/* malloc_heavy: a deterministic pseudo-random churn of malloc/free/calloc over a pool of live
 * blocks with sizes from 1 byte to 1 MiB (so both brk-backed arenas and mmap-backed large
 * chunks are used), filling every block with a pattern and verifying it before freeing.
 * Prints only counts and checksums, never addresses. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512
#define ROUNDS 6000

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void) {
  /* xorshift64*: fixed seed, so every run makes the same requests. */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1dULL;
}

static size_t pick_size(void) {
  uint64_t r = next_rand();
  switch (r % 64) {
    case 0:
      return (1 << 20) - (r >> 8) % 4096; /* large: mmap threshold territory */
    case 1:
    case 2:
    case 3:
    case 4:
      return 4096 + (r >> 8) % 65536; /* medium */
    default:
      return 1 + (r >> 8) % 512; /* small: tcache and fastbins */
  }
}

int main(void) {
  unsigned char* blocks[SLOTS] = {0};
  size_t sizes[SLOTS] = {0};
  unsigned char tags[SLOTS] = {0};
  uint64_t checksum = 0, bytes = 0;
  unsigned allocs = 0, frees = 0, zero_ok = 0;
  for (int round = 0; round < ROUNDS; ++round) {
    size_t slot = next_rand() % SLOTS;
    if (blocks[slot]) {
      for (size_t i = 0; i < sizes[slot]; i += 61) {
        if (blocks[slot][i] != (unsigned char)(tags[slot] + i)) {
          printf("corruption in round %d\n", round);
          return 1;
        }
        checksum = checksum * 31 + blocks[slot][i];
      }
      free(blocks[slot]);
      blocks[slot] = NULL;
      ++frees;
      continue;
    }
    size_t size = pick_size();
    int use_calloc = (next_rand() & 7) == 0;
    unsigned char* p = use_calloc ? calloc(size, 1) : malloc(size);
    if (!p) {
      printf("allocation of %zu failed\n", size);
      return 1;
    }
    if (use_calloc) {
      size_t nonzero = 0;
      for (size_t i = 0; i < size; ++i) nonzero += p[i] != 0;
      zero_ok += nonzero == 0;
    }
    tags[slot] = (unsigned char)round;
    for (size_t i = 0; i < size; ++i) p[i] = (unsigned char)(tags[slot] + i);
    blocks[slot] = p;
    sizes[slot] = size;
    bytes += size;
    ++allocs;
  }
  for (size_t s = 0; s < SLOTS; ++s) free(blocks[s]);
  printf("allocs=%u frees=%u bytes=%llu calloc_zeroed=%u checksum=%016llx\n", allocs, frees,
         (unsigned long long)bytes, zero_ok, (unsigned long long)checksum);
  /* Aligned allocation. */
  for (size_t align = 16; align <= 65536; align *= 16) {
    void* p = aligned_alloc(align, align * 3);
    printf("aligned_alloc(%zu) aligned: %s\n", align,
           p && ((uintptr_t)p % align) == 0 ? "yes" : "no");
    free(p);
  }
  void* huge = malloc((size_t)1 << 62);
  printf("malloc(2^62) fails: %s\n", huge == NULL ? "yes" : "no");
  return 0;
}
