/* Tries every way out of its own process: tracing itself or others, reading and writing other
   processes' memory, running a new program, creating processes and threads, signalling init,
   and the namespace/mount calls a container escape would use. Prints one line per attempt,
   "<name>: refused errno=<n>" or "<name>: ALLOWED", and exits 0 only when all were refused. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int allowed = 0;

static void report(const char* name, long rc) {
  if (rc == -1) {
    printf("%s: refused errno=%d\n", name, errno);
  } else {
    printf("%s: ALLOWED\n", name);
    allowed = 1;
  }
}

static void* thread_body(void* arg) { return arg; }

int main(void) {
  char buf[16] = "secret";
  struct iovec local = {buf, sizeof(buf)}, remote = {buf, sizeof(buf)};
  char* const argv[] = {"/bin/sh", "-c", "echo escaped", NULL};
  char* const envp[] = {NULL};

  report("ptrace_traceme", ptrace(PTRACE_TRACEME, 0, NULL, NULL));
  report("ptrace_attach_init", ptrace(PTRACE_ATTACH, 1, NULL, NULL));
  report("process_vm_readv_self",
         syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0));
  report("process_vm_readv_init", syscall(SYS_process_vm_readv, 1, &local, 1, &remote, 1, 0));
  report("process_vm_writev_init", syscall(SYS_process_vm_writev, 1, &local, 1, &remote, 1, 0));
  fflush(stdout);
  report("execve", execve("/bin/sh", argv, envp));
  report("execveat", syscall(SYS_execveat, -100, "/bin/sh", argv, envp, 0));
  pid_t child = fork();
  if (child == 0) {
    printf("fork: CHILD RUNNING\n");
    _exit(0);
  }
  report("fork", child);
  pthread_t t;
  int err = pthread_create(&t, NULL, thread_body, NULL);
  if (err == 0) {
    pthread_join(t, NULL);
    report("pthread_create", 0);
  } else {
    errno = err;
    report("pthread_create", -1);
  }
  report("kill_init", kill(1, SIGKILL));
  report("unshare", unshare(CLONE_NEWUSER | CLONE_NEWNS));
  report("mount", mount("none", "/tmp", "tmpfs", 0, NULL));
  report("chroot", chroot("/tmp"));
  report("setns", setns(0, 0));
  return allowed;
}
