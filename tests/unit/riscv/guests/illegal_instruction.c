/* Executes an all-zero halfword, which is defined as illegal in every RISC-V encoding. */
int main(void) {
  __asm__ volatile(".2byte 0x0000");
  return 0;
}
