/* fp_nbody: double-precision kernel with divides and square roots.
 *
 * A small gravitational N-body system (16 bodies, so the pair loop dominates and the data sits in
 * L1) integrated with symplectic Euler steps. Every interaction uses fdiv and fsqrt, the slowest
 * FP paths of an interpreter, and the energy at the end is a checksum of the whole trajectory. */
#include <math.h>

#include "kernel_common.h"

enum { kBodies = 16 };
enum { kBaseSteps = 80000 };

typedef struct {
  double x, y, z, vx, vy, vz, mass;
} Body;

static void init_bodies(Body *b) {
  uint64_t seed = 12345;
  for (int i = 0; i < kBodies; ++i) {
    b[i].x = (double)(kernel_rand(&seed) % 2001) / 100.0 - 10.0;
    b[i].y = (double)(kernel_rand(&seed) % 2001) / 100.0 - 10.0;
    b[i].z = (double)(kernel_rand(&seed) % 2001) / 100.0 - 10.0;
    b[i].vx = (double)(kernel_rand(&seed) % 201) / 1000.0 - 0.1;
    b[i].vy = (double)(kernel_rand(&seed) % 201) / 1000.0 - 0.1;
    b[i].vz = (double)(kernel_rand(&seed) % 201) / 1000.0 - 0.1;
    b[i].mass = 0.5 + (double)(kernel_rand(&seed) % 100) / 50.0;
  }
}

static void step(Body *b, double dt) {
  for (int i = 0; i < kBodies; ++i) {
    for (int j = i + 1; j < kBodies; ++j) {
      double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
      /* Softening keeps close encounters finite, as any real integrator must. */
      double d2 = dx * dx + dy * dy + dz * dz + 0.01;
      double d = sqrt(d2);
      double mag = dt / (d2 * d);
      b[i].vx -= dx * b[j].mass * mag;
      b[i].vy -= dy * b[j].mass * mag;
      b[i].vz -= dz * b[j].mass * mag;
      b[j].vx += dx * b[i].mass * mag;
      b[j].vy += dy * b[i].mass * mag;
      b[j].vz += dz * b[i].mass * mag;
    }
  }
  for (int i = 0; i < kBodies; ++i) {
    b[i].x += dt * b[i].vx;
    b[i].y += dt * b[i].vy;
    b[i].z += dt * b[i].vz;
  }
}

static double energy(const Body *b) {
  double e = 0.0;
  for (int i = 0; i < kBodies; ++i) {
    e += 0.5 * b[i].mass * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
    for (int j = i + 1; j < kBodies; ++j) {
      double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
      e -= b[i].mass * b[j].mass / sqrt(dx * dx + dy * dy + dz * dz + 0.01);
    }
  }
  return e;
}

int main(int argc, char **argv) {
  long steps = kernel_scaled(kBaseSteps, kernel_scale_percent(argc, argv));
  Body bodies[kBodies];
  init_bodies(bodies);
  double e0 = energy(bodies);
  for (long s = 0; s < steps; ++s) step(bodies, 0.001);
  double e1 = energy(bodies);
  printf("fp_nbody steps=%ld e0=%.12f e1=%.12f bits=%016llx\n", steps, e0, e1,
         (unsigned long long)kernel_double_bits(e1));
  return 0;
}
