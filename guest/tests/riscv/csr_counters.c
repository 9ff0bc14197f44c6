/* csr_counters: the Zicntr user counters read with csrr/rdcycle/rdtime/rdinstret (and the
 * csrrs-with-x0 encoding). Their values depend on the machine and the moment, so only
 * properties are printed: each counter never decreases across 1000 reads, instret advances
 * across a loop of known length, and time moves forward across a nanosleep. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

static uint64_t rd_cycle(void) {
  uint64_t v;
  __asm__ volatile("rdcycle %0" : "=r"(v));
  return v;
}
static uint64_t rd_time(void) {
  uint64_t v;
  __asm__ volatile("rdtime %0" : "=r"(v));
  return v;
}
static uint64_t rd_instret(void) {
  uint64_t v;
  __asm__ volatile("rdinstret %0" : "=r"(v));
  return v;
}
static uint64_t rd_cycle_csrrs(void) {
  uint64_t v;
  __asm__ volatile("csrrs %0, cycle, zero" : "=r"(v));
  return v;
}

int main(void) {
  int cycle_back = 0, time_back = 0, instret_back = 0, csrrs_back = 0;
  uint64_t c = rd_cycle(), t = rd_time(), i = rd_instret(), s = rd_cycle_csrrs();
  for (int k = 0; k < 1000; ++k) {
    uint64_t c2 = rd_cycle(), t2 = rd_time(), i2 = rd_instret(), s2 = rd_cycle_csrrs();
    cycle_back += c2 < c;
    time_back += t2 < t;
    instret_back += i2 < i;
    csrrs_back += s2 < s;
    c = c2;
    t = t2;
    i = i2;
    s = s2;
  }
  printf("backward steps: cycle %d time %d instret %d csrrs-cycle %d\n", cycle_back, time_back,
         instret_back, csrrs_back);
  uint64_t before = rd_instret();
  uint64_t n = 0;
  __asm__ volatile("li t0, 10000\n1: addi %0, %0, 1\n addi t0, t0, -1\n bnez t0, 1b"
                   : "+r"(n)
                   :
                   : "t0");
  uint64_t after = rd_instret();
  printf("instret advanced across a 30000-instruction loop: %s (loop count %llu)\n",
         after > before ? "yes" : "no", (unsigned long long)n);
  uint64_t t0 = rd_time();
  struct timespec req = {0, 5000000};
  nanosleep(&req, NULL);
  uint64_t t1 = rd_time();
  printf("time advanced across a 5 ms sleep: %s\n", t1 > t0 ? "yes" : "no");
  uint64_t c0 = rd_cycle();
  volatile uint64_t spin = 0;
  for (int k = 0; k < 100000; ++k) spin += (uint64_t)k;
  printf("cycle advanced across a busy loop: %s\n", rd_cycle() > c0 ? "yes" : "no");
  return 0;
}
