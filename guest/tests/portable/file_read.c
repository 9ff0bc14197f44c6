/* file_read: opens the file named by argv[1] (inside a directory the sandbox allows reading),
 * reads it with read(2) in odd-sized chunks, with stdio, with pread and after lseek, checks
 * fstat's size, and opens a missing file in the same allowed directory, which must fail with
 * ENOENT (a path outside the allowed directory could legitimately fail differently in a sandbox,
 * so none is tried). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: file_read FILE\n");
    return 2;
  }
  int fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    printf("open failed: %s\n", strerror(errno));
    return 1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) return 1;
  printf("fstat: size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));
  char buf[4096];
  size_t total = 0;
  unsigned long hash = 0;
  ssize_t n;
  while ((n = read(fd, buf, 37)) > 0) {
    for (ssize_t i = 0; i < n; ++i) hash = hash * 33 + (unsigned char)buf[i];
    total += (size_t)n;
  }
  printf("read in 37-byte chunks: %zu bytes, hash %lu, final read %zd\n", total, hash, n);
  printf("lseek to 10: %lld\n", (long long)lseek(fd, 10, SEEK_SET));
  n = read(fd, buf, 20);
  printf("read after lseek: %.*s\n", (int)n, buf);
  printf("lseek SEEK_END -5: %lld\n", (long long)lseek(fd, -5, SEEK_END));
  n = pread(fd, buf, 16, 0);
  printf("pread at 0: %.*s\n", (int)n, buf);
  printf("offset unchanged by pread: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
  close(fd);

  FILE* f = fopen(argv[1], "r");
  if (!f) return 1;
  char line[256];
  int lines = 0;
  while (fgets(line, sizeof line, f)) {
    ++lines;
    printf("line %d: %s", lines, line);
  }
  fclose(f);

  char missing[4096];
  const char* slash = strrchr(argv[1], '/');
  int dir_len = slash ? (int)(slash - argv[1]) : 1;
  snprintf(missing, sizeof missing, "%.*s/does-not-exist.txt", dir_len, slash ? argv[1] : ".");
  errno = 0;
  int m = open(missing, O_RDONLY);
  printf("open missing file: %d %s\n", m, errno == ENOENT ? "ENOENT" : "other error");
  errno = 0;
  printf("close(-1): %d %s\n", close(-1), errno == EBADF ? "EBADF" : "other error");
  return 0;
}
