/* Calls through a pointer to an address nothing is mapped at. */
int main(void) {
  void (*f)(void) = (void (*)(void))0x12345678000ul;
  f();
  return 0;
}
