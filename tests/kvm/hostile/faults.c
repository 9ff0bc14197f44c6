// One way to crash per argv[1]; the sandbox must report each as a guest fault and survive.
#include <stdint.h>
#include <string.h>

static int depth(int n) {
  volatile char pad[512];
  pad[0] = (char)n;
  return depth(n + 1) + pad[0];
}

int main(int argc, char** argv) {
  const char* what = argc > 1 ? argv[1] : "null";
  if (!strcmp(what, "null")) return *(volatile int*)0;
  if (!strcmp(what, "kernel")) return *(volatile int*)0xffffffff80002000ull;  // the TSS page
  if (!strcmp(what, "stub-write")) *(volatile char*)0xffffffff80003000ull = 0;  // stub code
  if (!strcmp(what, "text-write")) *(volatile char*)(uintptr_t)&main = 0;
  if (!strcmp(what, "exec-stack")) {
    unsigned char code[] = {0xc3};
    ((void (*)(void))code)();
  }
  if (!strcmp(what, "stack-overflow")) return depth(0);
  if (!strcmp(what, "ud2")) __asm__ volatile("ud2");
  if (!strcmp(what, "hlt")) __asm__ volatile("hlt");
  if (!strcmp(what, "port-io")) __asm__ volatile("outb %%al, $0x80" ::"a"(0));
  if (!strcmp(what, "int80")) __asm__ volatile("int $0x80" ::"a"(60), "D"(0));
  if (!strcmp(what, "spin")) for (;;) __asm__ volatile("");
  if (!strcmp(what, "kernel-stack")) {
    // The kernel stack is user-writable on this hypervisor; scribbling on it and then taking an
    // exception must still end in a clean fault report.
    memset((void*)0xffffffff80004000ull, 0xff, 0x4000);
    return *(volatile int*)0;
  }
  return 0;
}
