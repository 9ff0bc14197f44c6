/* rv64i_control: branches and jumps at instruction level: every conditional branch with signed
 * and unsigned edge operands (taken/not taken), jal and jalr link values (ra = pc + 4, or
 * pc + 2 for compressed c.jalr), jalr clearing bit 0 of the target, jalr with rd == rs1,
 * backward loops, and C-level indirect calls and jump tables the compiler builds at -O2. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#define BR(op, a, b)                                                                              \
  ({                                                                                              \
    uint64_t t_;                                                                                  \
    __asm__ volatile("li %0, 1\n " op " %1, %2, 1f\n li %0, 0\n1:" : "=&r"(t_) : "r"(a), "r"(b)); \
    t_;                                                                                           \
  })

static int add1(int x) {
  return x + 1;
}
static int dbl(int x) {
  return x * 2;
}
static int neg(int x) {
  return -x;
}
static int sq(int x) {
  return x * x;
}

static int dispatch(int op, int x) {
  switch (op) {
    case 0:
      return x + 3;
    case 1:
      return x - 11;
    case 2:
      return x * 7;
    case 3:
      return x ^ 0x55;
    case 4:
      return x << 2;
    case 5:
      return x >> 1;
    case 6:
      return ~x;
    case 7:
      return x % 13;
    default:
      return -1;
  }
}

int main(void) {
  static const uint64_t vals[] = {
      0, 1, (uint64_t)-1, 0x7fffffffffffffffULL, 0x8000000000000000ULL, 0x80000000ULL};
  const size_t n = sizeof vals / sizeof vals[0];
  for (size_t i = 0; i < n; ++i) {
    printf("%016" PRIx64 ":", vals[i]);
    for (size_t j = 0; j < n; ++j) {
      uint64_t a = vals[i], b = vals[j];
      printf(" %" PRIu64 "%" PRIu64 "%" PRIu64 "%" PRIu64 "%" PRIu64 "%" PRIu64, BR("beq", a, b),
             BR("bne", a, b), BR("blt", a, b), BR("bge", a, b), BR("bltu", a, b), BR("bgeu", a, b));
    }
    printf("\n");
  }
  uint64_t link, here;
  __asm__ volatile(
      ".option push\n.option norvc\n"
      "jal %0, 1f\n"
      "1: auipc %1, 0\n"
      ".option pop"
      : "=r"(link), "=r"(here));
  printf("jal link == next pc: %s\n", link == here ? "yes" : "no");
  uint64_t target_link, after;
  __asm__ volatile(
      ".option push\n.option norvc\n"
      "lla t0, 1f\n"
      "addi t0, t0, 1\n" /* odd target: jalr must clear bit 0 */
      "jalr %0, 0(t0)\n"
      "2: j 3f\n"
      "1: auipc %1, 0\n"
      "addi %1, %1, -4\n" /* address of the j at label 2 */
      "3:\n"
      ".option pop"
      : "=r"(target_link), "=r"(after)
      :
      : "t0");
  printf("jalr odd target reached, link == pc+4: %s\n", target_link == after ? "yes" : "no");
  uint64_t same;
  __asm__ volatile(
      ".option push\n.option norvc\n"
      "lla %0, 1f\n"
      "jalr %0, 0(%0)\n" /* rd == rs1: target read before link written */
      "li %0, 0\n"
      "1:\n"
      ".option pop"
      : "=&r"(same));
  printf("jalr rd==rs1 wrote a link: %s\n", same != 0 ? "yes" : "no");
  uint64_t clink, cafter;
  __asm__ volatile(
      ".option push\n.option rvc\n"
      "lla t1, 1f\n"
      "c.jalr t1\n"
      "2: j 3f\n"
      "1: mv %0, ra\n"
      "lla %1, 2b\n"
      "3:\n"
      ".option pop"
      : "=r"(clink), "=r"(cafter)
      :
      : "t1", "ra");
  printf("c.jalr link == pc+2: %s\n", clink == cafter ? "yes" : "no");
  uint64_t count = 0;
  __asm__ volatile("li t0, 1000\n1: addi %0, %0, 3\n addi t0, t0, -1\n bnez t0, 1b"
                   : "+r"(count)
                   :
                   : "t0");
  printf("backward loop count %" PRIu64 "\n", count);
  int (*fns[])(int) = {add1, dbl, neg, sq};
  volatile int acc = 3;
  for (int i = 0; i < 40; ++i) acc = fns[(i * 7) % 4](acc) % 100003;
  printf("indirect calls result %d\n", acc);
  int s = 0;
  for (int i = 0; i < 1000; ++i) s += dispatch(i % 9, i);
  printf("switch dispatch sum %d\n", s);
  return 0;
}
