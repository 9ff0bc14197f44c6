/* sieve: sieve of Eratosthenes up to 2,000,000 over a byte array and over a bit array, checking
 * both agree; prints the prime count, the last primes and twin-prime count. A tight loop of
 * loads, stores and branches, the bread and butter of an interpreter's hot path. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMIT 2000000

int main(void) {
  unsigned char* composite = calloc(LIMIT + 1, 1);
  uint64_t* bits = calloc(LIMIT / 64 + 1, sizeof(uint64_t));
  if (!composite || !bits) return 1;
  for (uint32_t i = 2; (uint64_t)i * i <= LIMIT; ++i) {
    if (composite[i]) continue;
    for (uint32_t j = i * i; j <= LIMIT; j += i) composite[j] = 1;
  }
  for (uint32_t i = 2; (uint64_t)i * i <= LIMIT; ++i) {
    if (bits[i / 64] >> (i % 64) & 1) continue;
    for (uint32_t j = i * i; j <= LIMIT; j += i) bits[j / 64] |= 1ULL << (j % 64);
  }
  unsigned count = 0, twins = 0, mismatches = 0;
  uint32_t last[5] = {0};
  for (uint32_t i = 2; i <= LIMIT; ++i) {
    int is_prime = !composite[i];
    mismatches += is_prime != !(bits[i / 64] >> (i % 64) & 1);
    if (!is_prime) continue;
    ++count;
    memmove(last, last + 1, 4 * sizeof last[0]);
    last[4] = i;
    if (i >= 5 && !composite[i - 2]) ++twins;
  }
  printf("primes <= %d: %u, twin pairs: %u, mismatches: %u\n", LIMIT, count, twins, mismatches);
  printf("last primes: %u %u %u %u %u\n", last[0], last[1], last[2], last[3], last[4]);
  free(composite);
  free(bits);
  return 0;
}
