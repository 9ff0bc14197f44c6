// Asks for mappings a sandbox must refuse or contain: fixed addresses in the kernel half, over
// the top of user space and at page zero, and a huge one. Exits 0 when every fixed request was
// refused; then, with argv[1] == "touch", touches the huge mapping until the memory limit stops it.
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

static int refused(void* want, size_t len) {
  void* p = mmap(want, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("fixed %p: %s\n", want, p == MAP_FAILED ? "refused" : "MAPPED");
  return p == MAP_FAILED;
}

int main(int argc, char** argv) {
  int ok = 1;
  ok &= refused((void*)0xffffffff80000000ull, 4096);  // where the kernel stub lives
  ok &= refused((void*)0xffff800000000000ull, 4096);
  ok &= refused((void*)0x7ffffffff000ull, 8192);       // across the top of user space
  ok &= refused((void*)0, 4096);
  size_t huge = 1ull << 40;  // 1 TiB
  char* p = mmap(NULL, huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                 -1, 0);
  printf("huge: %s\n", p == MAP_FAILED ? "refused" : "mapped");
  fflush(stdout);
  if (argc > 1 && strcmp(argv[1], "touch") == 0 && p != MAP_FAILED)
    for (size_t off = 0; off < huge; off += 4096) p[off] = 1;
  return ok ? 0 : 1;
}
