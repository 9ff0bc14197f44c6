/* stderr_output: interleaves unbuffered stderr with buffered stdout, uses write(2) directly on
 * both descriptors, and exits with status 3 through exit() so atexit flushing is exercised. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  for (int i = 0; i < 5; ++i) {
    printf("stdout line %d\n", i);
    fprintf(stderr, "stderr line %d\n", i);
  }
  const char* raw = "raw write to fd 2\n";
  if (write(2, raw, strlen(raw)) != (ssize_t)strlen(raw)) return 1;
  fflush(stdout);
  const char* raw1 = "raw write to fd 1\n";
  if (write(1, raw1, strlen(raw1)) != (ssize_t)strlen(raw1)) return 1;
  perror("perror with errno 0");
  printf("exiting with 3\n");
  exit(3);
}
