/* Jumps into a writable, non-executable data buffer holding valid code bytes. */
static unsigned int code[4] = {0x00008067u /* ret */};
int main(void) {
  void (*f)(void) = (void (*)(void))code;
  f();
  return 0;
}
