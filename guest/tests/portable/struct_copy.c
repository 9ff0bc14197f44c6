/* struct_copy: structures passed and returned by value (small ones in registers, large ones
 * through memory per the ABI, mixed int/float members in FP registers), struct assignment
 * (inline copies or memcpy calls), unions, flexible array members and compound literals. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int32_t a;
  int32_t b;
} Pair;
typedef struct {
  double x;
  int32_t n;
} Mixed;
typedef struct {
  float x, y;
} Vec2f;
typedef struct {
  char name[40];
  double vals[6];
  int64_t id;
} Big;
typedef struct {
  uint8_t a;
  uint64_t b;
  uint16_t c;
} Padded;
typedef union {
  double d;
  uint64_t u;
  uint8_t bytes[8];
} Pun;
typedef struct {
  size_t n;
  int items[];
} Flex;

static Pair swap_pair(Pair p) {
  return (Pair){p.b, p.a};
}
static Mixed scale(Mixed m, double k) {
  m.x *= k;
  m.n *= 2;
  return m;
}
static Vec2f add(Vec2f a, Vec2f b) {
  return (Vec2f){a.x + b.x, a.y + b.y};
}
static Big transform(Big b) {
  for (int i = 0; i < 6; ++i) b.vals[i] = b.vals[i] * 2 + i;
  b.id = -b.id;
  b.name[0] = 'X';
  return b;
}

static void print_big(const char* label, const Big* b) {
  printf("%s: %s id=%lld vals", label, b->name, (long long)b->id);
  for (int i = 0; i < 6; ++i) printf(" %g", b->vals[i]);
  printf("\n");
}

int main(void) {
  Pair p = swap_pair((Pair){1, -2});
  printf("pair %d %d\n", p.a, p.b);
  Mixed m = scale((Mixed){1.25, 21}, 3.0);
  printf("mixed %g %d\n", m.x, m.n);
  Vec2f v = add((Vec2f){1.5f, -2.0f}, (Vec2f){0.25f, 8.0f});
  printf("vec %g %g\n", v.x, v.y);
  Big b = {"original", {1, 2, 3, 4, 5, 6}, 123456789012345LL};
  Big c = transform(b);
  print_big("b", &b);
  print_big("c", &c);
  Big arr[4];
  for (int i = 0; i < 4; ++i) {
    arr[i] = b;
    arr[i].vals[i] = -1;
  }
  Big d = arr[2];
  print_big("d", &d);
  printf("sizeof Padded %zu, offsets b %zu c %zu\n", sizeof(Padded), offsetof(Padded, b),
         offsetof(Padded, c));
  Padded pa, pb;
  memset(&pa, 0, sizeof pa);
  pa.a = 0xab;
  pa.b = 0x0123456789abcdefULL;
  pa.c = 0xbeef;
  pb = pa;
  printf("padded copy equal: %d\n", memcmp(&pa, &pb, sizeof pa) == 0);
  Pun u = {.d = -2.5};
  printf("pun %016llx bytes", (unsigned long long)u.u);
  for (int i = 0; i < 8; ++i) printf(" %02x", u.bytes[i]);
  printf("\n");
  Flex* f = malloc(sizeof(Flex) + 5 * sizeof(int));
  if (!f) return 1;
  f->n = 5;
  for (size_t i = 0; i < f->n; ++i) f->items[i] = (int)(i * i);
  printf("flex sum %d\n", f->items[0] + f->items[1] + f->items[2] + f->items[3] + f->items[4]);
  free(f);
  return 0;
}
