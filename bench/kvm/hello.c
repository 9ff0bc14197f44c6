/* The hello world the kvm benchmark runs natively, under the kvm engine and under the riscv one. */
#include <stdio.h>

int main(void) {
  puts("hello, world");
  return 0;
}
