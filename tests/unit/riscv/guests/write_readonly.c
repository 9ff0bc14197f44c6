/* Writes into the program's own read-only text: a protection fault. */
int main(void) {
  volatile unsigned int* p = (volatile unsigned int*)(void*)&main;
  *p = 0;
  return 0;
}
