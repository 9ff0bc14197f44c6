/* The smallest useful handler: answers every request with a constant body. */
#include "forkbox.h"
int main(void) {
  static const char body[] = "ok\n";
  if (forkbox_wait_request() != 0) return 2;
  forkbox_respond(200, "text/plain", body, sizeof body - 1);
  return 3;
}
