/* A handler that writes N bytes of a buffer warmed before the ready point (N from the query,
   as a decimal byte count), so every request dirties N/4096 pages of copy-on-write memory. */
#include "forkbox.h"
static char buffer[256 * 1024];
int main(void) {
  for (unsigned long i = 0; i < sizeof buffer; i += 4096) buffer[i] = 1;
  if (forkbox_wait_request() != 0) return 2;
  char q[32] = {0};
  long n = forkbox_request_query(q, sizeof q - 1);
  unsigned long bytes = 0;
  for (long i = 0; i < n && q[i] >= '0' && q[i] <= '9'; ++i) bytes = bytes * 10 + (unsigned long)(q[i] - '0');
  if (bytes > sizeof buffer) bytes = sizeof buffer;
  for (unsigned long i = 0; i < bytes; i += 4096) buffer[i] += 1;
  forkbox_respond(200, "text/plain", "ok\n", 3);
  return 3;
}
