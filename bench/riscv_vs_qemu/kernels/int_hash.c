/* int_hash: integer throughput kernel.
 *
 * Mixes a 256 KiB word array (fits in L2, so this measures the ALU and load/store paths, not
 * DRAM) with three classic integer workloads: a table-driven CRC-32, a bitwise (table-free)
 * CRC-32C whose inner loop is shift/xor/and only, and a 64-bit multiply-xorshift finaliser.
 * Each pass feeds its result into the next so nothing can be hoisted out of the loop. */
#include "kernel_common.h"

enum { kWords = 1 << 16 };
enum { kBasePasses = 512 };

static uint32_t crc32_table[256];

static void build_crc32_table(void) {
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    crc32_table[i] = c;
  }
}

static uint32_t crc32_bytes(const uint8_t *p, size_t n, uint32_t crc) {
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = crc32_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

/* Branch-free bitwise CRC-32C: the mask trick turns the conditional xor into and/neg. */
static uint32_t crc32c_bitwise(const uint32_t *w, size_t n, uint32_t crc) {
  for (size_t i = 0; i < n; i += 7) {
    crc ^= w[i];
    for (int k = 0; k < 32; ++k) crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1u)));
  }
  return crc;
}

static uint64_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDULL;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ULL;
  x ^= x >> 33;
  return x;
}

int main(int argc, char **argv) {
  long passes = kernel_scaled(kBasePasses, kernel_scale_percent(argc, argv));
  uint32_t *words = kernel_alloc(sizeof(uint32_t) * kWords);
  uint64_t seed = 0x9E3779B97F4A7C15ULL;
  for (size_t i = 0; i < kWords; ++i) words[i] = (uint32_t)kernel_rand(&seed);
  build_crc32_table();

  uint32_t crc = 0, crcc = 0;
  uint64_t acc = 0;
  for (long pass = 0; pass < passes; ++pass) {
    crc = crc32_bytes((const uint8_t *)words, sizeof(uint32_t) * kWords, crc);
    crcc = crc32c_bitwise(words, kWords, crcc ^ crc);
    for (size_t i = 0; i < kWords; ++i) {
      uint64_t h = mix64(((uint64_t)words[i] << 32) ^ acc ^ (uint64_t)pass);
      acc += h ^ (h >> 17);
      words[i] = (uint32_t)(h >> 29) ^ crcc;
    }
  }
  printf("int_hash passes=%ld crc32=%08x crc32c=%08x acc=%016llx\n", passes, crc, crcc,
         (unsigned long long)acc);
  free(words);
  return 0;
}
