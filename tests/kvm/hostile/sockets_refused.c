// Tries to open sockets of every common family; exits 0 only when all are refused.
#include <stdio.h>
#include <sys/socket.h>
#include <netinet/in.h>

int main(void) {
  int families[] = {AF_INET, AF_INET6, AF_UNIX, AF_NETLINK, AF_PACKET};
  int leaked = 0;
  for (unsigned i = 0; i < sizeof(families) / sizeof(families[0]); ++i) {
    int fd = socket(families[i], SOCK_STREAM, 0);
    int fd2 = socket(families[i], SOCK_DGRAM, 0);
    printf("family %d: %s\n", families[i], fd >= 0 || fd2 >= 0 ? "LEAK" : "refused");
    if (fd >= 0 || fd2 >= 0) leaked = 1;
  }
  return leaked;
}
