/* bitfields: signed and unsigned bit-fields of odd widths, straddling byte and word boundaries,
 * packed structs with unaligned members, read-modify-write of adjacent fields, and the raw
 * layout as bytes (little-endian on both targets). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct Flags {
  unsigned a : 1;
  unsigned b : 3;
  signed c : 5;
  unsigned d : 13;
  signed e : 10;
  uint64_t f : 33;
  int64_t g : 31;
};

struct __attribute__((packed)) Packed {
  uint8_t tag;
  uint32_t word;
  uint16_t half;
  uint64_t dword;
};

int main(void) {
  struct Flags fl;
  memset(&fl, 0, sizeof fl);
  volatile int seed = 12345;
  for (int i = 0; i < 40; ++i) {
    int v = seed * (i + 1);
    fl.a = (unsigned)v;
    fl.b += (unsigned)v;
    fl.c = v;
    fl.d ^= (unsigned)v;
    fl.e -= v;
    fl.f = fl.f * 3 + (uint64_t)v;
    fl.g = v * 7;
    if (i % 8 == 0)
      printf("%2d: a=%u b=%u c=%d d=%u e=%d f=%llu g=%lld\n", i, fl.a, fl.b, fl.c, fl.d, fl.e,
             (unsigned long long)fl.f, (long long)fl.g);
  }
  unsigned char raw[sizeof fl];
  memcpy(raw, &fl, sizeof fl);
  printf("sizeof Flags %zu raw", sizeof fl);
  for (size_t i = 0; i < sizeof raw; ++i) printf(" %02x", raw[i]);
  printf("\n");
  struct Packed pk[3];
  printf("sizeof Packed %zu\n", sizeof pk[0]);
  for (int i = 0; i < 3; ++i) {
    pk[i].tag = (uint8_t)(0xa0 + i);
    pk[i].word = 0x11223344u * (uint32_t)(i + 1);
    pk[i].half = (uint16_t)(0xbeef + i);
    pk[i].dword = 0x0102030405060708ULL << i;
  }
  uint64_t sum = 0;
  for (int i = 0; i < 3; ++i) sum += pk[i].tag + pk[i].word + pk[i].half + pk[i].dword;
  printf("packed sum %016llx\n", (unsigned long long)sum);
  unsigned char praw[sizeof pk];
  memcpy(praw, pk, sizeof pk);
  for (size_t i = 0; i < sizeof praw; ++i) printf("%02x", praw[i]);
  printf("\n");
  return 0;
}
