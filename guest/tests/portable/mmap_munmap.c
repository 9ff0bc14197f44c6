/* mmap_munmap: anonymous private mappings within one program: fresh pages read as zero, writes
 * stick, mprotect to read-only and back, munmap of a middle page then MAP_FIXED over the hole
 * (which must read as zero again), mremap growing in place or moving (contents preserved),
 * shrinking, and error returns (EINVAL for a zero length or misaligned address). Prints only
 * contents, checksums and errno names, never addresses. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char* errno_name(int e) {
  switch (e) {
    case 0:
      return "0";
    case EINVAL:
      return "EINVAL";
    case ENOMEM:
      return "ENOMEM";
    case EFAULT:
      return "EFAULT";
    case EACCES:
      return "EACCES";
    default:
      return "other";
  }
}

static uint64_t checksum(const unsigned char* p, size_t n) {
  uint64_t h = 0;
  for (size_t i = 0; i < n; ++i) h = h * 131 + p[i];
  return h;
}

int main(void) {
  long page = sysconf(_SC_PAGESIZE);
  printf("page size %ld\n", page);
  size_t len = 16 * (size_t)page;
  unsigned char* p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  printf("page aligned: %s\n", ((uintptr_t)p % (uintptr_t)page) == 0 ? "yes" : "no");
  printf("fresh mapping checksum %llu\n", (unsigned long long)checksum(p, len));
  for (size_t i = 0; i < len; ++i) p[i] = (unsigned char)(i ^ (i >> 8));
  printf("written checksum %016llx\n", (unsigned long long)checksum(p, len));

  printf("mprotect ro: %d\n", mprotect(p, len, PROT_READ));
  printf("read while ro: %u\n", p[12345]);
  printf("mprotect rw: %d\n", mprotect(p, len, PROT_READ | PROT_WRITE));
  p[12345] = 0xaa;

  unsigned char* hole = p + 5 * page;
  printf("munmap middle page: %d\n", munmap(hole, (size_t)page));
  void* q = mmap(hole, (size_t)page, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("MAP_FIXED over hole lands there: %s, reads zero: %s\n", q == hole ? "yes" : "no",
         checksum(hole, (size_t)page) == 0 ? "yes" : "no");
  printf("neighbours intact: %s\n",
         p[5 * page - 1] == (unsigned char)((5 * page - 1) ^ ((5 * page - 1) >> 8)) &&
                 p[6 * page] == (unsigned char)((6 * page) ^ ((6 * page) >> 8))
             ? "yes"
             : "no");

  uint64_t before = checksum(p, len);
  unsigned char* r = mremap(p, len, 64 * (size_t)page, MREMAP_MAYMOVE);
  if (r == MAP_FAILED) return 1;
  printf("mremap grow keeps contents: %s, new tail zero: %s\n",
         checksum(r, len) == before ? "yes" : "no",
         checksum(r + len, 48 * (size_t)page) == 0 ? "yes" : "no");
  memset(r + len, 0x5c, 48 * (size_t)page);
  unsigned char* s = mremap(r, 64 * (size_t)page, 2 * (size_t)page, 0);
  printf("mremap shrink in place: %s, contents kept: %s\n", s == r ? "yes" : "no",
         s[page + 3] == (unsigned char)((page + 3) ^ ((page + 3) >> 8)) ? "yes" : "no");
  printf("munmap rest: %d\n", munmap(s, 2 * (size_t)page));

  errno = 0;
  void* bad = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  printf("mmap len 0: %s errno %s\n", bad == MAP_FAILED ? "failed" : "succeeded",
         errno_name(errno));
  errno = 0;
  int rc = munmap((void*)((uintptr_t)hole + 1), (size_t)page);
  printf("munmap misaligned: %d errno %s\n", rc, errno_name(errno));
  errno = 0;
  rc = mprotect((void*)((uintptr_t)hole + 1), (size_t)page, PROT_READ);
  printf("mprotect misaligned: %d errno %s\n", rc, errno_name(errno));

  /* Many small mappings, touched and released, so the address-space bookkeeping churns. */
  void* maps[64];
  uint64_t sum = 0;
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 64; ++i) {
      size_t n = (size_t)(1 + (i * 7 + round) % 5) * (size_t)page;
      maps[i] = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (maps[i] == MAP_FAILED) return 1;
      ((unsigned char*)maps[i])[n - 1] = (unsigned char)i;
      sum += ((unsigned char*)maps[i])[n - 1] + ((unsigned char*)maps[i])[0];
    }
    for (int i = 0; i < 64; i += 2)
      munmap(maps[i], (size_t)(1 + (i * 7 + round) % 5) * (size_t)page);
    for (int i = 1; i < 64; i += 2)
      munmap(maps[i], (size_t)(1 + (i * 7 + round) % 5) * (size_t)page);
  }
  printf("churn sum %llu\n", (unsigned long long)sum);
  return 0;
}
