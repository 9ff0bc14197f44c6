/* The smallest forkbox handler, in the style of the Drogon Sandbox's hello route: wait for a
 * request, answer "Hello from forkbox" as text/plain with status 200.
 *
 * Everything before forkbox_wait_request() is warm-up, run once per template; each request
 * resumes a fresh copy-on-write fork at that call, and forkbox_respond() ends the fork. Outside
 * forkbox (plain Linux, qemu-user) the host calls fail with -ENOSYS, and the program says so
 * and exits with status 2 instead of pretending to serve. */
#include <stdio.h>
#include <string.h>

#include "forkbox.h"

/* Exit status when the program is not running under forkbox. */
enum { kExitNotForkbox = 2 };

static const char kGreeting[] = "Hello from forkbox\n";

int main(void) {
  long ready = forkbox_wait_request();
  if (ready < 0) {
    fprintf(stderr, "hello_handler: not running under forkbox (forkbox_wait_request: %s)\n",
            strerror((int)-ready));
    return kExitNotForkbox;
  }
  long sent = forkbox_respond(200, "text/plain", kGreeting, sizeof kGreeting - 1);
  /* Under forkbox a successful respond does not return. */
  fprintf(stderr, "hello_handler: forkbox_respond failed: %s\n", strerror((int)-sent));
  return 1;
}
