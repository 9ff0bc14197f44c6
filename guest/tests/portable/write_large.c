/* write_large: writes 200 KiB to stdout through several paths (fwrite of big blocks, many
 * small putchar calls, direct write(2) in odd sizes, and writev with several iovecs), so the
 * host side must handle large and partial writes on a pipe exactly like Linux does. */
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static char block[65536];

static int write_all(int fd, const char* p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

int main(void) {
  for (size_t i = 0; i < sizeof block; ++i) block[i] = (char)('a' + (i * 7 + i / 64) % 26);
  for (size_t i = 63; i < sizeof block; i += 64) block[i] = '\n';
  if (fwrite(block, 1, sizeof block, stdout) != sizeof block) return 1;
  for (int i = 0; i < 20000; ++i) putchar(i % 80 == 79 ? '\n' : '0' + i % 10);
  fflush(stdout);
  size_t off = 0;
  for (size_t chunk = 1; off + chunk <= sizeof block; chunk = chunk * 3 + 1) {
    if (write_all(1, block + off, chunk) != 0) return 1;
    off += chunk;
  }
  struct iovec iov[4] = {
      {block, 100}, {(char*)"\n--iov--\n", 9}, {block + 1000, 30000}, {(char*)"\nend\n", 5}};
  ssize_t w = writev(1, iov, 4);
  fprintf(stderr, "writev wrote %zd of %d bytes\n", w, 100 + 9 + 30000 + 5);
  fprintf(stderr, "direct writes covered %zu bytes\n", off);
  return 0;
}
