// Tries to read host files outside the allow-list: /etc/shadow, `..` traversal out of an allowed
// directory, /proc/self, and (argv[1], when given) a symlink inside an allowed directory that
// points outside it. Prints each attempt; exits 0 only when every one was refused.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static int leaked = 0;

static void try_open(const char* path) {
  int fd = open(path, O_RDONLY);
  char c;
  if (fd >= 0 && read(fd, &c, 1) >= 0) {
    printf("LEAK %s\n", path);
    leaked = 1;
  } else {
    printf("refused %s\n", path);
  }
  if (fd >= 0) close(fd);
}

int main(int argc, char** argv) {
  try_open("/etc/shadow");
  try_open("/etc/passwd");
  try_open("/usr/lib/../../etc/passwd");
  try_open("/usr/lib/x86_64-linux-gnu/../../../../../../etc/hostname");
  try_open("/proc/self/maps");
  try_open("/proc/self/mem");
  try_open("/proc/self/environ");
  try_open("/proc/1/cmdline");
  try_open("/dev/mem");
  if (argc > 1) try_open(argv[1]);
  return leaked;
}
