/* An infinite loop: must end in an instruction-limit result, never hang the host. */
int main(void) {
  volatile unsigned long n = 0;
  for (;;) n++;
}
