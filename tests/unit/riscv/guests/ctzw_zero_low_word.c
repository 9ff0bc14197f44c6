/* ctzw of a value whose low word is zero is 32 (RISC-V Zbb), whatever the upper word holds.
   Exits with the result so the test can check it. */
int main(void) {
  unsigned long a = 0x8000000000000000ul, r;
  __asm__ volatile(".option push\n.option arch, +zbb\nctzw %0, %1\n.option pop" : "=r"(r) : "r"(a));
  return (int)r;
}
