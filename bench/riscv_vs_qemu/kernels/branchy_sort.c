/* branchy_sort: control-flow-heavy kernel.
 *
 * Three workloads whose branches depend on data, so an emulator pays for every taken branch and
 * every indirect jump: a hand-written quicksort (median of three, insertion sort for short runs)
 * of pseudo-random keys, an unbalanced binary search tree built from and probed with those keys,
 * and a byte-at-a-time tokenizer state machine (a switch the compiler turns into a jump table)
 * over generated text. */
#include "kernel_common.h"

enum { kKeys = 1 << 15 };
enum { kTextBytes = 1 << 16 };
enum { kBaseRounds = 80 };

static void insertion_sort(int32_t *v, long lo, long hi) {
  for (long i = lo + 1; i <= hi; ++i) {
    int32_t key = v[i];
    long j = i - 1;
    while (j >= lo && v[j] > key) {
      v[j + 1] = v[j];
      --j;
    }
    v[j + 1] = key;
  }
}

static void swap_keys(int32_t *v, long i, long j) {
  int32_t t = v[i];
  v[i] = v[j];
  v[j] = t;
}

static void quick_sort(int32_t *v, long lo, long hi) {
  while (hi - lo > 16) {
    long mid = lo + (hi - lo) / 2;
    if (v[mid] < v[lo]) swap_keys(v, mid, lo);
    if (v[hi] < v[lo]) swap_keys(v, hi, lo);
    if (v[hi] < v[mid]) swap_keys(v, hi, mid);
    int32_t pivot = v[mid];
    long i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot) ++i;
      while (v[j] > pivot) --j;
      if (i <= j) swap_keys(v, i++, j--);
    }
    /* Recurse into the smaller side so the stack stays logarithmic. */
    if (j - lo < hi - i) {
      quick_sort(v, lo, j);
      lo = i;
    } else {
      quick_sort(v, i, hi);
      hi = j;
    }
  }
  insertion_sort(v, lo, hi);
}

typedef struct {
  int32_t key;
  int32_t left, right; /* indices into the node pool, -1 for none */
} Node;

static Node pool[kKeys];

static uint64_t tree_round(const int32_t *keys) {
  int used = 0;
  pool[used++] = (Node){keys[0], -1, -1};
  for (int i = 1; i < kKeys; ++i) {
    int at = 0;
    for (;;) {
      int32_t *link = keys[i] < pool[at].key ? &pool[at].left : &pool[at].right;
      if (*link < 0) {
        *link = used;
        pool[used++] = (Node){keys[i], -1, -1};
        break;
      }
      at = *link;
    }
  }
  uint64_t found = 0;
  for (int i = 0; i < kKeys; ++i) {
    int32_t probe = keys[i] ^ (i & 1);
    int at = 0, depth = 0;
    while (at >= 0 && pool[at].key != probe) {
      at = probe < pool[at].key ? pool[at].left : pool[at].right;
      ++depth;
    }
    found += (uint64_t)depth + (at >= 0 ? 1000u : 0u);
  }
  return found;
}

/* Counts identifiers, numbers, strings, comments and operators in a C-like byte stream. */
static uint64_t tokenize(const uint8_t *text, size_t n) {
  enum { kStart, kIdent, kNumber, kString, kEscape, kSlash, kComment } state = kStart;
  uint64_t counts[8] = {0};
  for (size_t i = 0; i < n; ++i) {
    uint8_t ch = text[i];
    switch (state) {
      case kStart:
        if ((ch >= 'a' && ch <= 'z') || ch == '_') state = kIdent;
        else if (ch >= '0' && ch <= '9') state = kNumber;
        else if (ch == '"') state = kString;
        else if (ch == '/') state = kSlash;
        else if (ch != ' ' && ch != '\n') ++counts[0];
        break;
      case kIdent:
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_')) {
          ++counts[1];
          state = kStart;
        }
        break;
      case kNumber:
        if (!(ch >= '0' && ch <= '9')) {
          ++counts[2];
          state = kStart;
        }
        break;
      case kString:
        if (ch == '\\') state = kEscape;
        else if (ch == '"') {
          ++counts[3];
          state = kStart;
        }
        break;
      case kEscape:
        state = kString;
        break;
      case kSlash:
        if (ch == '*') state = kComment;
        else {
          ++counts[4];
          state = kStart;
        }
        break;
      case kComment:
        if (ch == '\n') {
          ++counts[5];
          state = kStart;
        }
        break;
    }
  }
  return counts[0] * 1 + counts[1] * 31 + counts[2] * 961 + counts[3] * 29791 +
         counts[4] * 923521 + counts[5] * 28629151;
}

static void generate_text(uint8_t *text, uint64_t *seed) {
  static const char kAlphabet[] = "abcdefghij_0123456789 \n\"\\/*+-=;(){}";
  for (size_t i = 0; i < kTextBytes; ++i)
    text[i] = (uint8_t)kAlphabet[kernel_rand(seed) % (sizeof kAlphabet - 1)];
}

int main(int argc, char **argv) {
  long rounds = kernel_scaled(kBaseRounds, kernel_scale_percent(argc, argv));
  int32_t *keys = kernel_alloc(sizeof(int32_t) * kKeys);
  int32_t *sorted = kernel_alloc(sizeof(int32_t) * kKeys);
  uint8_t *text = kernel_alloc(kTextBytes);
  uint64_t seed = 99;
  uint64_t check = 0;
  for (long r = 0; r < rounds; ++r) {
    for (int i = 0; i < kKeys; ++i) keys[i] = (int32_t)(kernel_rand(&seed) >> 33);
    memcpy(sorted, keys, sizeof(int32_t) * kKeys);
    quick_sort(sorted, 0, kKeys - 1);
    for (int i = 1; i < kKeys; ++i) {
      if (sorted[i - 1] > sorted[i]) {
        printf("branchy_sort: sort is wrong at %d\n", i);
        return 1;
      }
    }
    check = check * 1000003u + (uint64_t)sorted[kKeys / 3] + (uint64_t)sorted[kKeys - 1];
    check ^= tree_round(keys);
    generate_text(text, &seed);
    check += tokenize(text, kTextBytes);
  }
  printf("branchy_sort rounds=%ld check=%016llx\n", rounds, (unsigned long long)check);
  free(text);
  free(sorted);
  free(keys);
  return 0;
}
