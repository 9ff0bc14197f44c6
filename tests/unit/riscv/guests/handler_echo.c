/* A handler for fork tests: warms a table and a counter before the ready point, then per
   request writes `pages` pages of its heap (from the query), bumps the counter, and answers
   with what it saw first, so a test can tell whether any state leaked between forks. */
#include <stdlib.h>
#include <string.h>

#include "forkbox.h"

static unsigned long counter = 100;
static char table[64 * 4096];  /* 64 pages, touched during warm-up */

static unsigned long parse(const char* s) {
  unsigned long v = 0;
  while (*s >= '0' && *s <= '9') v = v * 10 + (unsigned long)(*s++ - '0');
  return v;
}

int main(void) {
  for (size_t i = 0; i < sizeof table; i += 4096) table[i] = 1;
  if (forkbox_wait_request() != 0) return 2;
  char query[64] = {0};
  long q = forkbox_request_query(query, sizeof query - 1);
  unsigned long pages = q > 0 ? parse(query) : 0;
  unsigned long seen = counter;
  counter += 1;
  for (unsigned long i = 0; i < pages && i < 64; ++i) table[i * 4096] += 1;
  static char body[65536 + 256];
  char* p = body;
  unsigned long v = seen;
  char digits[24];
  int n = 0;
  do digits[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
  while (n) *p++ = digits[--n];
  *p++ = ' ';
  *p++ = (char)('0' + table[0]);
  *p++ = '\n';
  char big[16];
  if (forkbox_request_header("x-big", 5, big, sizeof big) >= 0) {
    /* echo the body's length and a checksum: proves large host writes reach the guest */
    static char req_body[2u << 20];
    long len = forkbox_request_body(req_body, sizeof req_body);
    unsigned long sum = 0;
    for (long i = 0; i < len && i < (long)sizeof req_body; ++i) sum = sum * 31 + (unsigned char)req_body[i];
    p += 0;
    unsigned long parts[2] = {(unsigned long)len, sum};
    for (int k = 0; k < 2; ++k) {
      v = parts[k];
      n = 0;
      do digits[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
      while (n) *p++ = digits[--n];
      *p++ = '\n';
    }
  }
  forkbox_log("served", 6);
  forkbox_respond(200, "text/plain", body, (size_t)(p - body));
  return 3;
}
