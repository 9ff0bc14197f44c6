/* setjmp_longjmp: non-local jumps out of nested calls, values 0 and non-zero through longjmp,
 * volatile locals surviving the jump, repeated jumps to one buffer, and sigsetjmp/siglongjmp
 * with a saved signal mask. The jmp_buf holds callee-saved integer and FP registers, so a wrong
 * register save/restore in the emulator shows up as changed values. */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>

static jmp_buf env;
static int depth_reached;

static void dive(int depth, int target) {
  depth_reached = depth;
  if (depth == target) longjmp(env, depth);
  if (depth > 1000) return;
  dive(depth + 1, target);
  printf("never printed\n");
}

static double fp_work(jmp_buf* where, double x) {
  double y = x * 1.5 + 0.25;
  if (y > 10.0) longjmp(*where, 7);
  return y;
}

int main(void) {
  volatile int counter = 0;
  int r = setjmp(env);
  if (r < 5) {
    printf("setjmp returned %d, counter %d\n", r, counter);
    ++counter;
    dive(0, counter);
  }
  printf("final return %d, counter %d, depth %d\n", r, counter, depth_reached);

  jmp_buf zero;
  int z = setjmp(zero);
  if (z == 0) longjmp(zero, 0); /* longjmp with 0 makes setjmp return 1 */
  printf("longjmp(.., 0) made setjmp return %d\n", z);

  /* Callee-saved FP registers must come back as they were at setjmp time. */
  volatile double acc = 1.0;
  register double keep = 3.25;
  jmp_buf fpenv;
  if (setjmp(fpenv) == 0) {
    for (;;) acc = fp_work(&fpenv, acc);
  }
  printf("fp after jump: acc=%.17g keep=%.17g\n", acc, keep);

  sigjmp_buf senv;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  if (sigsetjmp(senv, 1) == 0) {
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    siglongjmp(senv, 1);
  }
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  printf("SIGUSR1 blocked again after siglongjmp: %s\n", sigismember(&now, SIGUSR1) ? "yes" : "no");
  return 0;
}
