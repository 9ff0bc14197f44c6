/* qsort_strings: generates 5000 deterministic pseudo-random words, sorts them with qsort under
 * three orderings (strcmp, length-then-strcmp, reversed), checks each result is ordered, and
 * looks words up with bsearch. qsort in glibc is a merge sort using a malloc'ed buffer, so this
 * mixes indirect calls, memcpy and allocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WORDS 5000

static unsigned state = 12345;
static unsigned next(void) {
  state = state * 1103515245u + 12345u;
  return (state >> 16) & 0x7fff;
}

static int by_strcmp(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}
static int by_length(const void* a, const void* b) {
  size_t la = strlen(*(char*const*)a), lb = strlen(*(char*const*)b);
  if (la != lb) return la < lb ? -1 : 1;
  return by_strcmp(a, b);
}
static int by_int(const void* a, const void* b) {
  int x = *(const int*)a, y = *(const int*)b;
  return (x > y) - (x < y);
}
static int reversed(const void* a, const void* b) {
  return by_strcmp(b, a);
}

static int is_sorted(char** w, int (*cmp)(const void*, const void*)) {
  for (int i = 1; i < WORDS; ++i)
    if (cmp(&w[i - 1], &w[i]) > 0) return 0;
  return 1;
}

int main(void) {
  static char storage[WORDS][16];
  char* words[WORDS];
  for (int i = 0; i < WORDS; ++i) {
    int len = 1 + (int)(next() % 12);
    for (int j = 0; j < len; ++j) storage[i][j] = (char)('a' + next() % 26);
    storage[i][len] = '\0';
    words[i] = storage[i];
  }
  qsort(words, WORDS, sizeof words[0], by_strcmp);
  printf("strcmp order sorted: %d first %s last %s median %s\n", is_sorted(words, by_strcmp),
         words[0], words[WORDS - 1], words[WORDS / 2]);
  int dups = 0;
  for (int i = 1; i < WORDS; ++i) dups += strcmp(words[i - 1], words[i]) == 0;
  printf("duplicates %d\n", dups);
  const char* probes[] = {"a", "zz", "hello", words[1234], words[42]};
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; ++i) {
    char** hit = bsearch(&probes[i], words, WORDS, sizeof words[0], by_strcmp);
    printf("bsearch %s: %s\n", probes[i], hit ? "found" : "missing");
  }
  qsort(words, WORDS, sizeof words[0], by_length);
  printf("length order sorted: %d first %s last %s\n", is_sorted(words, by_length), words[0],
         words[WORDS - 1]);
  qsort(words, WORDS, sizeof words[0], reversed);
  printf("reverse order sorted: %d first %s\n", is_sorted(words, reversed), words[0]);
  for (int i = 0; i < 10; ++i) printf("%s ", words[i * 500]);
  printf("\n");
  int nums[1000];
  for (int i = 0; i < 1000; ++i) nums[i] = (int)next() - 16384;
  qsort(nums, 1000, sizeof nums[0], by_int);
  long sum = 0;
  for (int i = 0; i < 1000; ++i) sum += nums[i] * (long)(i + 1);
  printf("ints sorted: min %d max %d weighted sum %ld\n", nums[0], nums[999], sum);
  return 0;
}
