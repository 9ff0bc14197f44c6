/* atexit_order: atexit handlers run in reverse registration order on return from main, a
 * handler registered from inside a handler still runs, stdio buffers (including a partial line
 * and a setvbuf'd fully-buffered stdout) are flushed after the handlers, and the exit status
 * returned by main survives. */
#include <stdio.h>
#include <stdlib.h>

static void late(void) {
  printf("late handler (registered by handler 2)\n");
}
static void h1(void) {
  printf("handler 1\n");
}
static void h2(void) {
  printf("handler 2 registers another\n");
  atexit(late);
}
static void h3(void) {
  printf("handler 3, partial line without newline...");
}

static char buffer[1 << 16];

int main(void) {
  setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
  atexit(h1);
  atexit(h2);
  atexit(h3);
  for (int i = 0; i < 1000; ++i) printf("buffered line %d\n", i);
  fprintf(stderr, "stderr is unbuffered and appears first in its own stream\n");
  return 7;
}
