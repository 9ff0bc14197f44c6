/* stdin_echo: reads all of stdin twice over (line by line with fgets, then the byte count via
 * read(2) reaching EOF), echoing each line with its number and length, and reports totals.
 * Exercises read on a pipe, EOF handling and lines longer than the stdio buffer. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  char line[128];
  int n = 0;
  size_t total = 0;
  unsigned long hash = 5381;
  int partial = 0;
  while (fgets(line, sizeof line, stdin)) {
    size_t len = strlen(line);
    total += len;
    for (size_t i = 0; i < len; ++i) hash = hash * 33 + (unsigned char)line[i];
    int ends = len > 0 && line[len - 1] == '\n';
    if (!partial) printf("%3d: ", ++n);
    printf("%.*s", (int)(ends ? len - 1 : len), line);
    if (ends) printf(" [%s]\n", "eol");
    partial = !ends;
  }
  if (partial) printf(" [no final newline]\n");
  printf("lines=%d bytes=%zu hash=%lu eof=%d error=%d\n", n, total, hash, feof(stdin) != 0,
         ferror(stdin) != 0);
  char extra[16];
  printf("read after EOF returns %zd\n", read(0, extra, sizeof extra));
  return 0;
}
