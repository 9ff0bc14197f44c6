/* hello: the smallest useful guest, used to measure start-up cost (load, run, exit) rather than
 * compute speed. Built for riscv64 (forkbox, qemu-riscv64) and natively for x86-64 (baseline). */
#include <stdio.h>

int main(void) {
  printf("hello, world\n");
  return 0;
}
