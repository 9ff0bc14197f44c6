/* argv_env: prints argc, every argument after argv[0] (argv[0] only by its last path component,
 * since the runner chooses the path), selected environment variables and the sorted environment,
 * and checks the argv/envp layout invariants (argv[argc] == NULL, envp follows argv). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char** environ;

static int cmp_str(const void* a, const void* b) {
  return strcmp(*(const char* const*)a, *(const char* const*)b);
}

int main(int argc, char** argv, char** envp) {
  printf("argc=%d\n", argc);
  const char* slash = strrchr(argv[0], '/');
  printf("argv0 basename=%s\n", slash ? slash + 1 : argv[0]);
  for (int i = 1; i < argc; ++i) printf("argv[%d]=\"%s\" (len %zu)\n", i, argv[i], strlen(argv[i]));
  printf("argv[argc] is NULL: %s\n", argv[argc] == NULL ? "yes" : "no");
  printf("envp follows argv: %s\n", envp == argv + argc + 1 ? "yes" : "no");
  printf("environ == envp: %s\n", environ == envp ? "yes" : "no");
  const char* names[] = {"PATH",
                         "HOME",
                         "LANG",
                         "FORKBOX_GUEST_TEST",
                         "GUEST_SPACES",
                         "GUEST_EMPTY",
                         "NOT_SET_ANYWHERE"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
    const char* v = getenv(names[i]);
    printf("getenv(%s)=%s%s%s\n", names[i], v ? "\"" : "", v ? v : "(null)", v ? "\"" : "");
  }
  size_t n = 0;
  while (environ[n]) ++n;
  char** copy = malloc((n + 1) * sizeof *copy);
  if (!copy) return 1;
  memcpy(copy, environ, (n + 1) * sizeof *copy);
  qsort(copy, n, sizeof *copy, cmp_str);
  printf("environment has %zu entries:\n", n);
  for (size_t i = 0; i < n; ++i) printf("  %s\n", copy[i]);
  free(copy);
  if (setenv("ADDED_LATER", "value", 1) != 0) return 1;
  printf("after setenv: %s\n", getenv("ADDED_LATER"));
  return 0;
}
