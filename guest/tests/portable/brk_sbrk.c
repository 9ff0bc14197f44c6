/* brk_sbrk: moves the program break with sbrk (grow by odd sizes, touch the new memory, shrink)
 * and checks that memory between the old and new break is zero-filled and usable, then releases
 * it with brk and grows again (released whole pages must read as zero); prints only
 * differences between break values, never the addresses themselves. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  /* The first printf makes stdio allocate its buffer with malloc; do it before taking the
   * break, so that releasing everything above `start` never frees memory stdio still uses
   * (it would, natively, in a dynamically linked build). */
  printf("brk_sbrk\n");
  char* start = sbrk(0);
  printf("sbrk(0) twice agrees: %s\n", sbrk(0) == start ? "yes" : "no");
  size_t total = 0;
  for (int i = 1; i <= 8; ++i) {
    size_t grow = (size_t)i * 10000 + 123;
    char* old = sbrk((intptr_t)grow);
    if (old == (void*)-1) return 1;
    int zero = 1;
    for (size_t j = 0; j < grow; ++j) zero &= old[j] == 0;
    memset(old, i, grow);
    total += grow;
    printf("grow %zu: old break at start+%td, zero-filled %s\n", grow, old - start,
           zero ? "yes" : "no");
  }
  printf("break now start+%td (total %zu)\n", (char*)sbrk(0) - start, total);
  long sum = 0;
  for (size_t j = 0; j < total; j += 997) sum += start[j];
  printf("touched sum %ld\n", sum);
  if (sbrk(-(intptr_t)(total / 2)) == (void*)-1) return 1;
  printf("after shrink start+%td\n", (char*)sbrk(0) - start);
  if (brk(start) != 0) return 1;
  printf("brk back to start: %s\n", sbrk(0) == start ? "yes" : "no");
  /* Only whole pages released by the shrink must come back zeroed: Linux keeps the partial
   * page holding the old break mapped (with our data), so that part is not checked. */
  char* again = sbrk(3 * 4096);
  char* first_page = (char*)(((uintptr_t)again + 4095) & ~(uintptr_t)4095);
  int zero = 1;
  for (char* c = first_page; c < again + 2 * 4096; ++c) zero &= *c == 0;
  printf("regrown whole pages zero again: %s\n", zero ? "yes" : "no");
  return 0;
}
