/* forkbox guest SDK: the host-call ABI a handler program uses to receive an HTTP request and
 * answer it, header-only C for riscv64 (ecall) and x86-64 (syscall).
 *
 * Host calls are system calls with numbers in a range Linux never uses on either architecture
 * (FORKBOX_HC_BASE + n), so a program built with this header still runs under plain Linux or
 * qemu-user, where every host call fails with -ENOSYS. Arguments and results follow the
 * kernel's system-call convention (a0..a5 / rdi, rsi, rdx, r10, r8, r9; result in a0 / rax,
 * negative errno on failure). Full description: docs/guest-abi.md.
 *
 * Lifecycle of a handler: start, warm up (parse config, build tables), call
 * forkbox_wait_request(). That call is the ready point: forkbox snapshots the program there,
 * once, and every request resumes a fresh copy-on-write fork of that snapshot, in which
 * forkbox_wait_request() returns. The handler reads the request, calls forkbox_respond(), and
 * the fork is discarded (the call does not return). */
#ifndef FORKBOX_GUEST_H
#define FORKBOX_GUEST_H

#include <stddef.h>

#define FORKBOX_HC_BASE 0x46420000L /* 'F' 'B' << 16 */
#define FORKBOX_HC_WAIT_REQUEST (FORKBOX_HC_BASE + 0)
#define FORKBOX_HC_REQUEST_FIELD (FORKBOX_HC_BASE + 1)
#define FORKBOX_HC_REQUEST_HEADER (FORKBOX_HC_BASE + 2)
#define FORKBOX_HC_RESPOND (FORKBOX_HC_BASE + 3)
#define FORKBOX_HC_LOG (FORKBOX_HC_BASE + 4)
#define FORKBOX_HC_HEADER_AT (FORKBOX_HC_BASE + 5)

/* Request fields for forkbox_request_field(). */
#define FORKBOX_FIELD_METHOD 0
#define FORKBOX_FIELD_PATH 1  /* the path after /app/{name}, starting with '/' */
#define FORKBOX_FIELD_QUERY 2 /* without the '?' */
#define FORKBOX_FIELD_BODY 3

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__riscv) && __riscv_xlen == 64
static inline long forkbox_hostcall_(long n, long a0, long a1, long a2, long a3, long a4) {
  register long r_a0 __asm__("a0") = a0;
  register long r_a1 __asm__("a1") = a1;
  register long r_a2 __asm__("a2") = a2;
  register long r_a3 __asm__("a3") = a3;
  register long r_a4 __asm__("a4") = a4;
  register long r_a7 __asm__("a7") = n;
  __asm__ volatile("ecall"
                   : "+r"(r_a0)
                   : "r"(r_a1), "r"(r_a2), "r"(r_a3), "r"(r_a4), "r"(r_a7)
                   : "memory");
  return r_a0;
}
#elif defined(__x86_64__)
static inline long forkbox_hostcall_(long n, long a0, long a1, long a2, long a3, long a4) {
  long ret;
  register long r10 __asm__("r10") = a3;
  register long r8 __asm__("r8") = a4;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a0), "S"(a1), "d"(a2), "r"(r10), "r"(r8)
                   : "rcx", "r11", "memory");
  return ret;
}
#else
#error "forkbox.h supports riscv64 and x86-64"
#endif

/* Blocks until a request arrives (the snapshot point). Returns 0 in the fork serving it, or a
 * negative errno when not running under forkbox. */
static inline long forkbox_wait_request(void) {
  return forkbox_hostcall_(FORKBOX_HC_WAIT_REQUEST, 0, 0, 0, 0, 0);
}

/* Copies up to `cap` bytes of request field `field` into `buf` and returns the field's full
 * length (which may exceed cap: call again with a larger buffer), or a negative errno. */
static inline long forkbox_request_field(int field, void* buf, size_t cap) {
  return forkbox_hostcall_(FORKBOX_HC_REQUEST_FIELD, field, (long)buf, (long)cap, 0, 0);
}
static inline long forkbox_request_method(char* buf, size_t cap) {
  return forkbox_request_field(FORKBOX_FIELD_METHOD, buf, cap);
}
static inline long forkbox_request_path(char* buf, size_t cap) {
  return forkbox_request_field(FORKBOX_FIELD_PATH, buf, cap);
}
static inline long forkbox_request_query(char* buf, size_t cap) {
  return forkbox_request_field(FORKBOX_FIELD_QUERY, buf, cap);
}
static inline long forkbox_request_body(void* buf, size_t cap) {
  return forkbox_request_field(FORKBOX_FIELD_BODY, buf, cap);
}

/* Value of the first header named `name` (case-insensitive): copies up to cap bytes, returns
 * the full length, or -ENOENT when absent. */
static inline long forkbox_request_header(const char* name, size_t name_len, char* buf,
                                          size_t cap) {
  return forkbox_hostcall_(FORKBOX_HC_REQUEST_HEADER, (long)name, (long)name_len, (long)buf,
                           (long)cap, 0);
}

/* Header number `index` (0-based): copies the name into name_buf, truncated to name_cap-1
 * bytes and always NUL-terminated when name_cap > 0, and returns the value's full length,
 * copying up to value_cap bytes of it; -ENOENT past the last header. */
static inline long forkbox_request_header_at(size_t index, char* name_buf, size_t name_cap,
                                             char* value_buf, size_t value_cap) {
  return forkbox_hostcall_(FORKBOX_HC_HEADER_AT, (long)index, (long)name_buf, (long)name_cap,
                           (long)value_buf, (long)value_cap);
}

/* Sends the response and ends this request's fork: does not return under forkbox (returns a
 * negative errno otherwise, e.g. for an invalid status or oversized body). */
static inline long forkbox_respond(int status, const char* content_type, const void* body,
                                   size_t len) {
  size_t ct_len = 0;
  if (content_type)
    while (content_type[ct_len]) ++ct_len;
  return forkbox_hostcall_(FORKBOX_HC_RESPOND, status, (long)content_type, (long)ct_len,
                           (long)body, (long)len);
}

/* Writes one line to forkbox's log, tagged with the handler and request id (bounded). */
static inline long forkbox_log(const char* msg, size_t len) {
  return forkbox_hostcall_(FORKBOX_HC_LOG, (long)msg, (long)len, 0, 0, 0);
}

#ifdef __cplusplus
}
#endif

#endif /* FORKBOX_GUEST_H */
