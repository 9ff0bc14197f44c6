/* Exits with a status and prints to both streams. */
#include <stdio.h>
int main(int argc, char** argv) {
  printf("out %d %s\n", argc, argc > 1 ? argv[1] : "-");
  fprintf(stderr, "err\n");
  return 7;
}
