/* string_mem_ops: glibc's optimized memcpy/memmove/memset/memcmp/strlen/strchr/strrchr/strcmp/
 * strncpy/memchr over every source and destination alignment 0..15 and lengths around word and
 * block sizes, checked against byte-at-a-time reference loops. These routines use wide and
 * misaligned accesses, so they catch load/store width and alignment bugs in an emulator. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static unsigned char src_buf[512 + 32], dst_buf[512 + 32], ref_buf[512 + 32];

static void fill(unsigned char* p, size_t n, unsigned seed) {
  for (size_t i = 0; i < n; ++i) p[i] = (unsigned char)(seed + i * 7 + (i >> 3));
}

int main(void) {
  static const size_t lens[] = {0,  1,  2,  3,  7,  8,   9,   15,  16,  17, 31,
                                32, 33, 63, 64, 65, 127, 255, 256, 300, 511};
  unsigned failures = 0, checks = 0;
  for (size_t s = 0; s < 16; ++s) {
    for (size_t d = 0; d < 16; ++d) {
      for (size_t li = 0; li < sizeof lens / sizeof lens[0]; ++li) {
        size_t n = lens[li];
        fill(src_buf, sizeof src_buf, (unsigned)(s * 3 + d));
        memset(dst_buf, 0xee, sizeof dst_buf);
        memcpy(dst_buf + d, src_buf + s, n);
        memset(ref_buf, 0xee, sizeof ref_buf);
        for (size_t i = 0; i < n; ++i) ref_buf[d + i] = src_buf[s + i];
        failures += memcmp(dst_buf, ref_buf, sizeof ref_buf) != 0;
        memset(dst_buf + d, (int)(n & 0xff), n);
        for (size_t i = 0; i < n; ++i) ref_buf[d + i] = (unsigned char)n;
        failures += memcmp(dst_buf, ref_buf, sizeof ref_buf) != 0;
        /* Overlapping move in both directions inside one buffer. */
        fill(dst_buf, sizeof dst_buf, 1);
        fill(ref_buf, sizeof ref_buf, 1);
        memmove(dst_buf + d, dst_buf + s, n);
        if (d < s)
          for (size_t i = 0; i < n; ++i) ref_buf[d + i] = ref_buf[s + i];
        else
          for (size_t i = n; i-- > 0;) ref_buf[d + i] = ref_buf[s + i];
        failures += memcmp(dst_buf, ref_buf, sizeof ref_buf) != 0;
        /* memcmp sign with a difference at the last byte. */
        fill(src_buf, sizeof src_buf, 9);
        memcpy(dst_buf + d, src_buf + s, n);
        if (n) {
          dst_buf[d + n - 1] = (unsigned char)(src_buf[s + n - 1] + 1);
          failures += memcmp(src_buf + s, dst_buf + d, n) >= 0;
          failures += memcmp(dst_buf + d, src_buf + s, n) <= 0;
        }
        checks += 5;
      }
    }
  }
  printf("mem* checks %u failures %u\n", checks, failures);
  char str[300];
  unsigned sfail = 0;
  for (size_t off = 0; off < 16; ++off) {
    for (size_t len = 0; len < 200; len += 13) {
      memset(str, 'q', sizeof str);
      for (size_t i = 0; i < len; ++i) str[off + i] = (char)('a' + i % 26);
      str[off + len] = '\0';
      sfail += strlen(str + off) != len;
      char* c = strchr(str + off, 'z');
      sfail += len > 25 ? c != str + off + 25 : c != NULL;
      char* r = strrchr(str + off, 'a');
      sfail += len ? r != str + off + (len - 1) / 26 * 26 : r != NULL;
      sfail += memchr(str + off, '\0', len + 1) != str + off + len;
      char copy[300];
      strcpy(copy, str + off);
      sfail += strcmp(copy, str + off) != 0;
      if (len) {
        copy[len - 1] = 'A';
        sfail += strcmp(copy, str + off) >= 0;
        sfail += strncmp(copy, str + off, len - 1) != 0;
      }
    }
  }
  printf("str* failures %u\n", sfail);
  char pad[16];
  strncpy(pad, "abc", sizeof pad);
  int zeros = 0;
  for (size_t i = 3; i < sizeof pad; ++i) zeros += pad[i] == 0;
  printf("strncpy zero padding %d/13, strspn %zu strcspn %zu strstr %s\n", zeros,
         strspn("aabbcx", "abc"), strcspn("hello, world", ",;"),
         strstr("needle in haystack", "hay"));
  return 0;
}
