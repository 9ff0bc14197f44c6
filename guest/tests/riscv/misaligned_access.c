/* misaligned_access: integer and FP loads and stores at every misalignment within a word
 * (lh/lhu/lw/lwu/ld, sh/sw/sd, flw/fld, fsw/fsd), including accesses that straddle a page
 * boundary. Linux user space sees these succeed (the kernel or hardware handles them), so the
 * emulator must too, with little-endian byte order. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void) {
  static uint8_t buf[64] __attribute__((aligned(64)));
  for (int i = 0; i < 64; ++i) buf[i] = (uint8_t)(i * 17 + 3);
  for (int off = 0; off < 8; ++off) {
    uint8_t* p = buf + 8 + off;
    uint64_t lh, lhu, lw, lwu, ld;
    __asm__ volatile("lh %0, 0(%1)" : "=r"(lh) : "r"(p));
    __asm__ volatile("lhu %0, 0(%1)" : "=r"(lhu) : "r"(p));
    __asm__ volatile("lw %0, 0(%1)" : "=r"(lw) : "r"(p));
    __asm__ volatile("lwu %0, 0(%1)" : "=r"(lwu) : "r"(p));
    __asm__ volatile("ld %0, 0(%1)" : "=r"(ld) : "r"(p));
    uint64_t fw, fd;
    __asm__ volatile("flw ft0, 0(%1)\n fmv.x.w %0, ft0" : "=r"(fw) : "r"(p) : "ft0");
    __asm__ volatile("fld ft0, 0(%1)\n fmv.x.d %0, ft0" : "=r"(fd) : "r"(p) : "ft0");
    printf("off %d: lh %016" PRIx64 " lhu %016" PRIx64 " lw %016" PRIx64 " lwu %016" PRIx64
           " ld %016" PRIx64 " flw %016" PRIx64 " fld %016" PRIx64 "\n",
           off, lh, lhu, lw, lwu, ld, fw, fd);
  }
  for (int off = 0; off < 8; ++off) {
    uint8_t out[32];
    memset(out, 0xee, sizeof out);
    uint8_t* p = out + 8 + off;
    uint64_t v = 0x0102030405060708ULL;
    __asm__ volatile("sd %0, 0(%1)\n sw %0, 9(%1)\n sh %0, 14(%1)" : : "r"(v), "r"(p) : "memory");
    __asm__ volatile("fmv.d.x ft0, %0\n fsd ft0, -7(%1)\n fsw ft0, -3(%1)"
                     :
                     : "r"(0x1112131415161718ULL), "r"(p)
                     : "ft0", "memory");
    printf("store off %d:", off);
    for (int i = 0; i < 32; ++i) printf(" %02x", out[i]);
    printf("\n");
  }
  uint8_t* pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pages == MAP_FAILED) return 1;
  for (int i = 0; i < 16; ++i) pages[4096 - 8 + i] = (uint8_t)(0xa0 + i);
  for (int off = 1; off < 8; ++off) {
    uint8_t* p = pages + 4096 - off;
    uint64_t v;
    __asm__ volatile("ld %0, 0(%1)" : "=r"(v) : "r"(p));
    uint64_t w = v ^ 0xffffffffffffffffULL;
    __asm__ volatile("sd %0, 0(%1)" : : "r"(w), "r"(p) : "memory");
    uint64_t back;
    __asm__ volatile("ld %0, 0(%1)" : "=r"(back) : "r"(p));
    printf("page-straddling off -%d: ld %016" PRIx64 " sd/ld back %016" PRIx64 "\n", off, v, back);
    __asm__ volatile("sd %0, 0(%1)" : : "r"(v), "r"(p) : "memory");
  }
  munmap(pages, 8192);
  return 0;
}
