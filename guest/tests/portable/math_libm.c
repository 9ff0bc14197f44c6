/* math_libm: libm functions (trigonometric, exponential, logarithmic, power, hyperbolic,
 * rounding, remainder, frexp/ldexp, hypot, cbrt, erf, gamma) over a fixed set of arguments,
 * printed with %.17g so a single-bit difference in any FP instruction shows up. */
#include <math.h>
#include <stdio.h>

int main(void) {
  static const double xs[] = {0.0,   -0.0,  0.5,   1.0,  -1.0,  2.0,    3.141592653589793, 10.0,
                              -7.25, 1e-10, 100.5, 1e10, 710.0, -745.5, 0.7853981633974483};
  for (size_t i = 0; i < sizeof xs / sizeof xs[0]; ++i) {
    double x = xs[i];
    printf("x=%.17g\n", x);
    printf("  sin %.17g cos %.17g tan %.17g\n", sin(x), cos(x), tan(x));
    printf("  exp %.17g expm1 %.17g exp2 %.17g\n", exp(x), expm1(x), exp2(x));
    printf("  log %.17g log1p %.17g log2 %.17g log10 %.17g\n", log(x), log1p(x), log2(x), log10(x));
    printf("  sqrt %.17g cbrt %.17g pow(x,0.3) %.17g pow(1.5,x) %.17g\n", sqrt(x), cbrt(x),
           pow(x, 0.3), pow(1.5, x));
    printf("  sinh %.17g cosh %.17g tanh %.17g atan %.17g asinh %.17g\n", sinh(x), cosh(x), tanh(x),
           atan(x), asinh(x));
    printf("  floor %.17g ceil %.17g round %.17g trunc %.17g rint %.17g\n", floor(x), ceil(x),
           round(x), trunc(x), rint(x));
    int e;
    double m = frexp(x, &e);
    printf("  frexp %.17g*2^%d ldexp(x,-3) %.17g fmod(x,3) %.17g remainder(x,3) %.17g\n", m, e,
           ldexp(x, -3), fmod(x, 3.0), remainder(x, 3.0));
    printf("  erf %.17g tgamma %.17g lgamma %.17g atan2(x,-2) %.17g hypot(x,3) %.17g\n", erf(x),
           tgamma(x), lgamma(x), atan2(x, -2.0), hypot(x, 3.0));
  }
  static const float fs[] = {0.1f, 1.0f, 2.5f, -3.75f, 100.0f};
  for (size_t i = 0; i < sizeof fs / sizeof fs[0]; ++i) {
    float x = fs[i];
    printf("float x=%.9g sinf %.9g expf %.9g logf %.9g sqrtf %.9g powf %.9g\n", x, sinf(x), expf(x),
           logf(x), sqrtf(x), powf(x, 1.7f));
  }
  printf("asin(2) %g acos(-1) %.17g log(-1) %g log(0) %g pow(0,-1) %g\n", asin(2.0), acos(-1.0),
         log(-1.0), log(0.0), pow(0.0, -1.0));
  printf("fmax(nan,1) %g fmin(-0,0) %g copysign(3,-0.0) %g nextafter(1,2) %.17g\n", fmax(NAN, 1.0),
         fmin(-0.0, 0.0), copysign(3.0, -0.0), nextafter(1.0, 2.0));
  return 0;
}
