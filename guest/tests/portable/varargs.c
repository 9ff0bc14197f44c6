/* varargs: variadic functions taking mixed int, long, double, pointer and struct arguments
 * (on RISC-V, variadic doubles travel in integer registers, and beyond eight arguments on the
 * stack), va_copy, and vsnprintf forwarding. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
  int x, y;
} Point;

static double sum_mixed(const char* types, ...) {
  va_list ap;
  va_start(ap, types);
  double total = 0;
  for (const char* t = types; *t; ++t) {
    switch (*t) {
      case 'i':
        total += va_arg(ap, int);
        break;
      case 'l':
        total += (double)va_arg(ap, long);
        break;
      case 'd':
        total += va_arg(ap, double);
        break;
      case 'p':
        total += *va_arg(ap, const int*);
        break;
      case 's': {
        Point p = va_arg(ap, Point);
        total += p.x * 100 + p.y;
        break;
      }
    }
  }
  va_end(ap);
  return total;
}

static long twice(int n, ...) {
  va_list ap, copy;
  va_start(ap, n);
  va_copy(copy, ap);
  long a = 0, b = 0;
  for (int i = 0; i < n; ++i) a += va_arg(ap, long) * (i + 1);
  for (int i = 0; i < n; ++i) b -= va_arg(copy, long);
  va_end(copy);
  va_end(ap);
  return a * 1000 + b;
}

static int format(char* buf, size_t size, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, size, fmt, ap);
  va_end(ap);
  return n;
}

int main(void) {
  int seven = 7;
  printf("sum_mixed = %.17g\n", sum_mixed("idlpsd", 1, 2.5, -3L, &seven, (Point){4, 5}, 0.125));
  printf("many = %.17g\n",
         sum_mixed("ididididididid", 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7, 7.5));
  printf("twice = %ld\n", twice(10, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L));
  char buf[128];
  int n = format(buf, sizeof buf, "%s|%5d|%-6.2f|%c|%lx|%%|%p", "str", 42, 3.14159, 'z',
                 0xdeadbeefUL, (void*)0);
  printf("format returned %d: %s\n", n, buf);
  printf(
      "many printf args: %d %d %d %d %d %d %d %d %d %d %.1f %.1f %.1f %.1f %.1f %.1f %.1f %.1f "
      "%.1f %.1f\n",
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5);
  return 0;
}
