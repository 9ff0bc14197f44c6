/* fp_fenv_flags: the five IEEE exception flags through <fenv.h> (on RISC-V, fflags): each
 * operation is done with all flags cleared and the raised set is printed, covering invalid
 * (0*inf, inf-inf, sqrt(-1), 0/0, conversion of NaN), divide-by-zero, overflow, underflow
 * (tiny inexact results; exact subnormal results raise no underflow), inexact, and
 * feraiseexcept/fetestexcept/feclearexcept/fegetexceptflag/fesetexceptflag themselves. */
#include <fenv.h>
#include <float.h>
#include <math.h>
#include <stdio.h>

static void show(const char* what) {
  int f = fetestexcept(FE_ALL_EXCEPT);
  printf("%-28s NV=%d DZ=%d OF=%d UF=%d NX=%d\n", what, !!(f & FE_INVALID), !!(f & FE_DIVBYZERO),
         !!(f & FE_OVERFLOW), !!(f & FE_UNDERFLOW), !!(f & FE_INEXACT));
  feclearexcept(FE_ALL_EXCEPT);
}

int main(void) {
  volatile double zero = 0.0, one = 1.0, three = 3.0, inf = INFINITY, big = DBL_MAX;
  volatile double tiny = DBL_MIN, neg = -1.0, qnan = NAN, half = 0.5;
  volatile float fbig = FLT_MAX, ftiny = FLT_MIN;
  volatile double sink;
  volatile float fsink;
  volatile long lsink;
  feclearexcept(FE_ALL_EXCEPT);
  show("nothing");
  sink = one + one;
  show("1+1 (exact)");
  sink = one / three;
  show("1/3");
  sink = one / zero;
  show("1/0");
  sink = neg / zero;
  show("-1/0");
  sink = zero / zero;
  show("0/0");
  sink = zero * inf;
  show("0*inf");
  sink = inf - inf;
  show("inf-inf");
  sink = sqrt(neg);
  show("sqrt(-1)");
  sink = big * 2.0;
  show("DBL_MAX*2");
  sink = big + big * 1e-17;
  show("DBL_MAX+ulp/2-ish");
  sink = tiny * tiny;
  show("DBL_MIN*DBL_MIN");
  sink = tiny / 4.0;
  show("DBL_MIN/4 (exact subnormal)");
  sink = tiny / 3.0;
  show("DBL_MIN/3 (inexact tiny)");
  fsink = fbig * 2.0f;
  show("FLT_MAX*2 (float)");
  fsink = ftiny / 3.0f;
  show("FLT_MIN/3 (float)");
  fsink = (float)big;
  show("(float)DBL_MAX");
  fsink = (float)(one / three);
  show("(float)(1/3)");
  sink = qnan + one;
  show("qNaN+1 (quiet)");
  sink = (qnan < one);
  show("qNaN<1 (ordered compare)");
  sink = (qnan == one);
  show("qNaN==1 (quiet compare)");
  sink = isless(qnan, one);
  show("isless(qNaN,1)");
  lsink = lrint(qnan);
  show("lrint(NaN)");
  lsink = lrint(half * 7.0);
  show("lrint(3.5)");
  lsink = lrint(1e30);
  show("lrint(1e30)");
  sink = fma(zero, inf, one);
  show("fma(0,inf,1)");
  sink = fma(one, three, -three);
  show("fma(1,3,-3) exact");
  (void)sink;
  (void)fsink;
  (void)lsink;
  feraiseexcept(FE_OVERFLOW | FE_INEXACT);
  show("feraiseexcept(OF|NX)");
  feraiseexcept(FE_DIVBYZERO);
  fexcept_t saved;
  fegetexceptflag(&saved, FE_ALL_EXCEPT);
  feclearexcept(FE_ALL_EXCEPT);
  fesetexceptflag(&saved, FE_ALL_EXCEPT);
  show("fesetexceptflag(DZ)");
  feraiseexcept(FE_ALL_EXCEPT);
  feclearexcept(FE_INEXACT | FE_INVALID);
  show("all raised, NX|NV cleared");
  fenv_t env;
  feraiseexcept(FE_UNDERFLOW);
  fesetround(FE_UPWARD);
  feholdexcept(&env);
  show("after feholdexcept");
  printf("round after hold: %s\n", fegetround() == FE_UPWARD ? "upward" : "other");
  fesetenv(&env);
  show("after fesetenv");
  printf("round after fesetenv: %s\n", fegetround() == FE_UPWARD ? "upward" : "other");
  fesetenv(FE_DFL_ENV);
  printf("round after FE_DFL_ENV: %s\n", fegetround() == FE_TONEAREST ? "nearest" : "other");
  return 0;
}
