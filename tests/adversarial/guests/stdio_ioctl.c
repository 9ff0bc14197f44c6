/* ioctl on the standard fds: no guest fd is a terminal, so terminal requests (including the
   TIOCSTI keystroke injection) fail with ENOTTY, a KVM request number on stdout is just another
   unknown ioctl, FIONREAD reports the request's own stdin, and a closed fd is EBADF. Prints
   "<name> rc=<rc> errno=<n>" per request. */
#include <errno.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static void show(const char* name, int rc) {
  printf("%s rc=%d errno=%d\n", name, rc, rc == -1 ? errno : 0);
}

int main(void) {
  struct termios tio;
  struct winsize ws;
  char c = 'x';
  int n = -1;
  printf("isatty %d %d %d\n", isatty(0), isatty(1), isatty(2));
  show("tcgets_stdout", ioctl(1, TCGETS, &tio));
  show("tiocsti_stdin", ioctl(0, TIOCSTI, &c));
  show("tiocgwinsz_stderr", ioctl(2, TIOCGWINSZ, &ws));
  show("kvm_create_vm_stdout", ioctl(1, 0xAE01, 0));
  show("tiocsctty_stdin", ioctl(0, TIOCSCTTY, 1));
  show("ebadf", ioctl(99, TCGETS, &tio));
  int rc = ioctl(0, FIONREAD, &n);
  printf("fionread_stdin rc=%d n=%d\n", rc, n);
  return 0;
}
