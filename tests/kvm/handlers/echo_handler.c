/* A tiny static x86-64 handler for the kvm handler tests: it counts requests in a global (which
 * every request must see at its snapshot value), then answers by path:
 *   /echo     "METHOD PATH?QUERY|BODY|x-test header|first header name|count"
 *   /crash    writes through a null pointer
 *   /spin     loops forever (the deadline must end it)
 *   /again    calls forkbox_wait_request a second time without responding
 *   /exit     exits without responding
 *   /big      responds with a body over the 8 MiB limit (-EINVAL), then a small one */
#include <forkbox.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int requests_seen;  /* 0 in the snapshot: must be 1 in every request */
static char scratch[1 << 16];

int main(void) {
  char warm[64];
  snprintf(warm, sizeof warm, "warm %d", 42);  /* some work before the ready point */
  if (forkbox_wait_request() != 0) return 2;
  requests_seen++;
  char method[16] = {0}, path[256] = {0}, query[256] = {0}, body[1024] = {0};
  char header[256] = {0}, name0[64] = {0}, value0[64];
  forkbox_request_method(method, sizeof method - 1);
  long path_len = forkbox_request_path(path, sizeof path - 1);
  forkbox_request_query(query, sizeof query - 1);
  forkbox_request_body(body, sizeof body - 1);
  long h = forkbox_request_header("X-Test", 6, header, sizeof header - 1);
  forkbox_request_header_at(0, name0, sizeof name0, value0, sizeof value0);
  forkbox_log("handling", 8);
  if (path_len < 0) return 3;
  if (strcmp(path, "/crash") == 0) *(volatile int*)0 = 1;
  if (strcmp(path, "/spin") == 0)
    for (;;) __asm__ volatile("" ::: "memory");
  if (strcmp(path, "/again") == 0) forkbox_wait_request();
  if (strcmp(path, "/exit") == 0) exit(7);
  if (strcmp(path, "/big") == 0) {
    long r = forkbox_respond(200, "text/plain", scratch, (9u << 20));
    int n = snprintf(scratch, sizeof scratch, "big refused %ld", r);
    forkbox_respond(200, "text/plain", scratch, (size_t)n);
  }
  int n = snprintf(scratch, sizeof scratch, "%s %s?%s|%s|%s|%s|%d", method, path, query, body,
                   h >= 0 ? header : "-", name0, requests_seen);
  forkbox_respond(201, "text/x-echo", scratch, (size_t)n);
  return 4; /* not reached under forkbox */
}
