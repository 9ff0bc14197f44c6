/* exit_status: main returns 42 after printing; checks that the exit status and the buffered
 * stdout both reach the host through the exit_group path. */
#include <stdio.h>

int main(void) {
  printf("about to return 42\n");
  return 42;
}
