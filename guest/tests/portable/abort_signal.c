/* abort_signal: prints (flushed), then calls abort(); the process must die by SIGABRT, which
 * glibc raises with rt_sigprocmask + tgkill (and, if that returns, by resetting the handler). */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  printf("before abort\n");
  fflush(stdout);
  fprintf(stderr, "aborting now\n");
  abort();
}
