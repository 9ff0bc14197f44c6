/* An AMO on a misaligned address: RISC-V Linux raises SIGBUS; forkbox reports a typed fault. */
static unsigned long buf[4];
int main(void) {
  unsigned long old;
  char* p = (char*)buf + 1;
  __asm__ volatile("amoadd.d %0, %2, (%1)" : "=r"(old) : "r"(p), "r"(1ul) : "memory");
  return (int)old;
}
