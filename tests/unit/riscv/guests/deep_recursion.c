/* Unbounded recursion: runs off the 8 MiB stack into the guard gap and must fault cleanly. */
#include <stdio.h>
static int down(volatile char* prev, int depth) {
  volatile char frame[512];
  frame[0] = (char)depth;
  frame[511] = prev ? prev[0] : 0;
  return down(frame, depth + 1) + frame[1];
}
int main(void) { return down(0, 0); }
