/* clock_monotonic: reads CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_PROCESS_CPUTIME_ID, time() and
 * gettimeofday repeatedly and prints only properties that hold on any correct system: the
 * monotonic clock never goes backwards, nanoseconds stay below 1e9, a 2 ms nanosleep advances the
 * monotonic clock by at least 2 ms, realtime is after 2020-01-01, and clock_getres succeeds. */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

static long long ns(const struct timespec* t) {
  return t->tv_sec * 1000000000LL + t->tv_nsec;
}

int main(void) {
  struct timespec prev, now;
  int backwards = 0, bad_nsec = 0;
  clock_gettime(CLOCK_MONOTONIC, &prev);
  for (int i = 0; i < 2000; ++i) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (ns(&now) < ns(&prev)) ++backwards;
    if (now.tv_nsec < 0 || now.tv_nsec >= 1000000000L) ++bad_nsec;
    prev = now;
  }
  printf("monotonic: backwards steps %d, bad nsec fields %d\n", backwards, bad_nsec);
  struct timespec before, after, req = {0, 2000000};
  clock_gettime(CLOCK_MONOTONIC, &before);
  int rc = nanosleep(&req, NULL);
  clock_gettime(CLOCK_MONOTONIC, &after);
  printf("nanosleep 2ms: rc %d, elapsed >= 2ms: %s\n", rc,
         ns(&after) - ns(&before) >= 2000000 ? "yes" : "no");
  struct timespec rt;
  clock_gettime(CLOCK_REALTIME, &rt);
  printf("realtime after 2020: %s\n", rt.tv_sec > 1577836800 ? "yes" : "no");
  time_t t = time(NULL);
  printf("time() within 10s of CLOCK_REALTIME: %s\n",
         (t - rt.tv_sec) < 10 && (rt.tv_sec - t) < 10 ? "yes" : "no");
  struct timeval tv;
  gettimeofday(&tv, NULL);
  printf("gettimeofday usec in range: %s, after 2020: %s\n",
         tv.tv_usec >= 0 && tv.tv_usec < 1000000 ? "yes" : "no",
         tv.tv_sec > 1577836800 ? "yes" : "no");
  struct timespec c0, c1;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
  volatile unsigned long spin = 0;
  for (unsigned long i = 0; i < 200000; ++i) spin += i;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
  printf("process cpu time non-decreasing: %s\n", ns(&c1) >= ns(&c0) ? "yes" : "no");
  struct timespec res;
  printf("clock_getres(MONOTONIC): rc %d, resolution <= 1ms: %s\n",
         clock_getres(CLOCK_MONOTONIC, &res),
         res.tv_sec == 0 && res.tv_nsec <= 1000000 ? "yes" : "no");
  return 0;
}
