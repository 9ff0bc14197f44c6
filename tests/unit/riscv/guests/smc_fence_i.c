/* Self-modifying code: writes an instruction into an RWX page, runs it, rewrites it, runs it
   again after fence.i; the second run must see the new instruction. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
int main(void) {
  unsigned int* code = mmap(0, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (code == MAP_FAILED) return 1;
  code[0] = 0x00700513u; /* li a0, 7 */
  code[1] = 0x00008067u; /* ret */
  __asm__ volatile("fence.i" ::: "memory");
  int (*f)(void) = (int (*)(void))code;
  int a = f();
  code[0] = 0x02a00513u; /* li a0, 42 */
  __asm__ volatile("fence.i" ::: "memory");
  int b = f();
  printf("%d %d\n", a, b);
  return 0;
}
