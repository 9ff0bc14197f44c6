/* fp_matmul: double-precision multiply-add throughput kernel.
 *
 * Repeated dense 96x96 matrix products in i-k-j order (unit-stride inner loop, ~216 KiB of data
 * so it stays in L2): a stream of fld/fmadd/fsd, i.e. the FP register file and the FP
 * fused-multiply-add path. The product is fed back, rescaled, so every pass depends on the last. */
#include "kernel_common.h"

enum { kN = 96 };
enum { kBasePasses = 128 };

static double a[kN][kN], b[kN][kN], c[kN][kN];

static void multiply(void) {
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) c[i][j] = 0.0;
    for (int k = 0; k < kN; ++k) {
      double aik = a[i][k];
      for (int j = 0; j < kN; ++j) c[i][j] += aik * b[k][j];
    }
  }
}

int main(int argc, char **argv) {
  long passes = kernel_scaled(kBasePasses, kernel_scale_percent(argc, argv));
  uint64_t seed = 777;
  for (int i = 0; i < kN; ++i) {
    for (int j = 0; j < kN; ++j) {
      a[i][j] = (double)(kernel_rand(&seed) % 1000) / 1000.0 - 0.5;
      b[i][j] = (double)(kernel_rand(&seed) % 1000) / 1000.0 - 0.5;
    }
  }
  double trace_sum = 0.0;
  for (long p = 0; p < passes; ++p) {
    multiply();
    /* Normalise by the largest magnitude so values neither vanish nor overflow across passes. */
    double max_abs = 0.0;
    for (int i = 0; i < kN; ++i)
      for (int j = 0; j < kN; ++j) {
        double v = c[i][j] < 0 ? -c[i][j] : c[i][j];
        if (v > max_abs) max_abs = v;
      }
    double inv = 1.0 / (max_abs + 1e-300);
    for (int i = 0; i < kN; ++i)
      for (int j = 0; j < kN; ++j) a[i][j] = c[i][j] * inv;
    trace_sum += a[p % kN][p % kN];
  }
  double sum = 0.0;
  for (int i = 0; i < kN; ++i)
    for (int j = 0; j < kN; ++j) sum += a[i][j] * (double)(i + 2 * j + 1);
  printf("fp_matmul passes=%ld sum=%.12f trace=%.12f bits=%016llx\n", passes, sum, trace_sum,
         (unsigned long long)kernel_double_bits(sum));
  return 0;
}
