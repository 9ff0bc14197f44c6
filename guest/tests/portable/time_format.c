/* time_format: calendar conversions that need no time-zone files: gmtime_r/timegm over fixed
 * timestamps (epoch, leap days, 2038, negative times), strftime with many conversions in the
 * C locale, and timegm normalisation of out-of-range fields. The runner sets TZ=UTC0 (a POSIX
 * rule string, so glibc reads no zoneinfo file and %s/%z do not depend on the host's zone). */
#define _GNU_SOURCE
#include <stdio.h>
#include <time.h>

int main(void) {
  static const time_t stamps[] = {
      0,  951782400,      951868800,    1234567890, 2147483647, 2147483648LL,
      -1, -86400 * 365LL, 4102444800LL, 1709251199};
  for (size_t i = 0; i < sizeof stamps / sizeof stamps[0]; ++i) {
    struct tm tm;
    if (!gmtime_r(&stamps[i], &tm)) return 1;
    char buf[256];
    strftime(buf, sizeof buf,
             "%Y-%m-%d %H:%M:%S %a %A %b %B %j %U %W %u %w %y %C %G-W%V %e|%D|%T|%s|%z", &tm);
    time_t back = timegm(&tm);
    printf("%lld: %s (yday %d wday %d) round trip %s\n", (long long)stamps[i], buf, tm.tm_yday,
           tm.tm_wday, back == stamps[i] ? "ok" : "BAD");
  }
  struct tm norm = {.tm_year = 124, .tm_mon = 13, .tm_mday = 35, .tm_hour = 25, .tm_min = 61};
  time_t t = timegm(&norm);
  char buf[64];
  strftime(buf, sizeof buf, "%F %T", &norm);
  printf("normalised: %s (%lld)\n", buf, (long long)t);
  return 0;
}
