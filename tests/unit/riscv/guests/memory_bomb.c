/* Touches memory until the sandbox's limit stops it. */
#include <stdlib.h>
#include <string.h>
int main(void) {
  for (;;) {
    char* p = malloc(1 << 20);
    if (!p) return 3;  /* reaching here means the limit was not enforced as a stop */
    memset(p, 1, 1 << 20);
  }
}
