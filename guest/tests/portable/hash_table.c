/* hash_table: an open-addressing hash table with string keys (FNV-1a), growing by rehash,
 * with inserts, updates, lookups and tombstone deletes; prints counts and a few values. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char* key;
  long value;
  int deleted;
} Slot;

typedef struct {
  Slot* slots;
  size_t cap, used, live;
} Table;

static char kTombstone[] = "";

static uint64_t fnv1a(const char* s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; ++s) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static void put(Table* t, const char* key, long value);

static void grow(Table* t) {
  Slot* old = t->slots;
  size_t old_cap = t->cap;
  t->cap = t->cap ? t->cap * 2 : 16;
  t->slots = calloc(t->cap, sizeof(Slot));
  t->used = t->live = 0;
  for (size_t i = 0; i < old_cap; ++i) {
    if (old[i].key && old[i].key != kTombstone) {
      put(t, old[i].key, old[i].value);
      free(old[i].key);
    }
  }
  free(old);
}

static Slot* find(Table* t, const char* key) {
  if (!t->cap) return NULL;
  for (size_t i = fnv1a(key) & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
    Slot* s = &t->slots[i];
    if (!s->key) return NULL;
    if (s->key != kTombstone && strcmp(s->key, key) == 0) return s;
  }
}

static void put(Table* t, const char* key, long value) {
  Slot* s = find(t, key);
  if (s) {
    s->value = value;
    return;
  }
  if ((t->used + 1) * 4 > t->cap * 3) grow(t);
  size_t i = fnv1a(key) & (t->cap - 1);
  while (t->slots[i].key && t->slots[i].key != kTombstone) i = (i + 1) & (t->cap - 1);
  if (!t->slots[i].key) ++t->used;
  t->slots[i].key = strdup(key);
  t->slots[i].value = value;
  ++t->live;
}

static int erase(Table* t, const char* key) {
  Slot* s = find(t, key);
  if (!s) return 0;
  free(s->key);
  s->key = kTombstone;
  --t->live;
  return 1;
}

int main(void) {
  Table t = {0};
  char key[32];
  for (long i = 0; i < 20000; ++i) {
    snprintf(key, sizeof key, "key-%ld", (i * 7919) % 30011);
    Slot* s = find(&t, key);
    put(&t, key, s ? s->value + i : i);
  }
  printf("after inserts: live=%zu cap=%zu\n", t.live, t.cap);
  int erased = 0;
  for (long i = 0; i < 30011; i += 3) {
    snprintf(key, sizeof key, "key-%ld", i);
    erased += erase(&t, key);
  }
  printf("erased %d, live=%zu\n", erased, t.live);
  long total = 0;
  int found = 0;
  for (long i = 0; i < 30011; ++i) {
    snprintf(key, sizeof key, "key-%ld", i);
    Slot* s = find(&t, key);
    if (s) {
      ++found;
      total += s->value;
    }
  }
  printf("found %d total %ld\n", found, total);
  const char* probes[] = {"key-1", "key-2", "key-3", "key-29999", "nope"};
  for (size_t i = 0; i < 5; ++i) {
    Slot* s = find(&t, probes[i]);
    if (s)
      printf("%s = %ld\n", probes[i], s->value);
    else
      printf("%s absent\n", probes[i]);
  }
  for (size_t i = 0; i < t.cap; ++i)
    if (t.slots[i].key != kTombstone) free(t.slots[i].key);
  free(t.slots);
  return 0;
}
