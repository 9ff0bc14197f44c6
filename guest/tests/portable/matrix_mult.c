/* matrix_mult: double and float matrix multiplication (naive and blocked), LU decomposition
 * with partial pivoting and a solve, printed as checksums with %.17g. At -O2 GNU C contracts
 * a*b+c into fused multiply-add on RISC-V, so this is a dense FP-register workload. */
#include <math.h>
#include <stdio.h>

#define N 64

static double a[N][N], b[N][N], c[N][N], d[N][N];
static float fa[N][N], fc[N][N];

int main(void) {
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      a[i][j] = sin(i * 0.37 + j * 0.11) + (i == j ? N : 0);
      b[i][j] = cos(i * 0.05 - j * 0.23);
      fa[i][j] = (float)a[i][j];
    }
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      double s = 0;
      float fs = 0;
      for (int k = 0; k < N; ++k) {
        s += a[i][k] * b[k][j];
        fs += fa[i][k] * fa[k][j];
      }
      c[i][j] = s;
      fc[i][j] = fs;
    }
  for (int ii = 0; ii < N; ii += 16)
    for (int kk = 0; kk < N; kk += 16)
      for (int jj = 0; jj < N; jj += 16)
        for (int i = ii; i < ii + 16; ++i)
          for (int k = kk; k < kk + 16; ++k)
            for (int j = jj; j < jj + 16; ++j) d[i][j] += a[i][k] * b[k][j];
  double sum = 0, maxdiff = 0, fsum = 0;
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      sum += c[i][j] * (i + 1) - j;
      fsum += fc[i][j];
      maxdiff = fmax(maxdiff, fabs(c[i][j] - d[i][j]));
    }
  printf("naive checksum %.17g\nfloat checksum %.9g\nblocked vs naive max diff below 1e-9: %s\n",
         sum, fsum, maxdiff < 1e-9 ? "yes" : "no");
  /* LU decomposition with partial pivoting of a, then solve a x = column 0 of b. */
  int piv[N];
  for (int i = 0; i < N; ++i) piv[i] = i;
  for (int k = 0; k < N; ++k) {
    int p = k;
    for (int i = k + 1; i < N; ++i)
      if (fabs(a[i][k]) > fabs(a[p][k])) p = i;
    if (p != k) {
      for (int j = 0; j < N; ++j) {
        double t = a[k][j];
        a[k][j] = a[p][j];
        a[p][j] = t;
      }
      int t = piv[k];
      piv[k] = piv[p];
      piv[p] = t;
    }
    for (int i = k + 1; i < N; ++i) {
      a[i][k] /= a[k][k];
      for (int j = k + 1; j < N; ++j) a[i][j] -= a[i][k] * a[k][j];
    }
  }
  double x[N];
  for (int i = 0; i < N; ++i) {
    x[i] = b[piv[i]][0];
    for (int j = 0; j < i; ++j) x[i] -= a[i][j] * x[j];
  }
  for (int i = N - 1; i >= 0; --i) {
    for (int j = i + 1; j < N; ++j) x[i] -= a[i][j] * x[j];
    x[i] /= a[i][i];
  }
  double det = 1;
  for (int i = 0; i < N; ++i) det *= a[i][i] / N;
  printf("x[0] %.17g x[%d] %.17g scaled det %.17g\n", x[0], N - 1, x[N - 1], det);
  return 0;
}
