/* A forkbox handler that does real work on every request: it reads the method, path, query
 * string, three headers and the body through the host calls, decodes the query strictly,
 * digests the body (FNV-1a) and answers a JSON document echoing all of it (render.h), or 400
 * with a JSON error for a malformed query.
 *
 * Why it is shaped this way:
 * - Fields come through the two-call pattern of forkbox.h: read into a fixed buffer and, when
 *   the returned full length is larger, allocate exactly that much and read again. Small
 *   requests (the common case) touch no heap at all, so a fork copies few pages.
 * - The fixed buffers are sized by forkbox's default request limits (docs/guest-abi.md); a
 *   larger field still works (second call), only slower.
 * - Everything untrusted is bounded: the response buffer grows only up to forkbox's response
 *   body limit, the query decoder by its own parameter limit.
 * - Outside forkbox (plain Linux, qemu-user) host calls return -ENOSYS: the program says so
 *   and exits with status 2. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forkbox.h"
#include "render.h"

enum { kExitNotForkbox = 2, kExitFailure = 1 };

/* forkbox's default limits on the request (docs/guest-abi.md). */
enum {
  kMethodCap = 16,       /* method: at most 16 bytes */
  kPathCap = 8192,       /* path and query: at most 8 KiB each */
  kHeaderValueCap = 1024 /* enough for the headers echoed here; longer ones take a 2nd call */
};
/* Bodies up to this size are read into a static buffer; larger ones into the heap. */
enum { kBodyInlineCap = 64 * 1024 };
/* forkbox's default response body limit: 8 MiB. The rendered document is bounded by the
 * request's own size times 6 (the \u00XX escape of one byte) plus a small frame, so the
 * buffer is sized from the request and capped here. */
static const size_t kResponseMax = (size_t)8 << 20;

/* A request field read with the two-call pattern: `data` points into the caller's fixed buffer
 * for small values, or to `heap` when the value did not fit. */
typedef struct {
  char* data;
  size_t len;
  char* heap;
} Field;

/* Reads field `field` (FORKBOX_FIELD_*) into f. Returns 0 or a negative errno. */
static long read_field(int field, char* inline_buf, size_t cap, Field* f) {
  f->heap = NULL;
  long n = forkbox_request_field(field, inline_buf, cap);
  if (n < 0) return n;
  if ((size_t)n <= cap) {
    f->data = inline_buf;
    f->len = (size_t)n;
    return 0;
  }
  f->heap = malloc((size_t)n);
  if (!f->heap) return -ENOMEM;
  long again = forkbox_request_field(field, f->heap, (size_t)n);
  if (again < 0) return again;
  if (again != n) return -EIO; /* the request cannot change within one fork */
  f->data = f->heap;
  f->len = (size_t)n;
  return 0;
}

/* Reads header `name` into h (value in `buf`, truncated to cap: echoed headers are
 * informative). */
static void read_header(const char* name, char* buf, size_t cap, FbHeaderView* h) {
  long n = forkbox_request_header(name, strlen(name), buf, cap);
  h->name = name;
  h->present = n >= 0;
  h->value = buf;
  h->value_len = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap;
}

static void respond_json(int status, const FbOut* out) {
  long sent = forkbox_respond(status, "application/json", out->data, out->len);
  fprintf(stderr, "json_handler: forkbox_respond failed: %s\n", strerror((int)-sent));
}

static char method_buf[kMethodCap];
static char path_buf[kPathCap];
static char query_buf[kPathCap];
static char body_buf[kBodyInlineCap];
static char header_bufs[3][kHeaderValueCap];
static char scratch_buf[kPathCap];
static char response_buf[2 * kPathCap + 4096];

int main(void) {
  long ready = forkbox_wait_request();
  if (ready < 0) {
    fprintf(stderr, "json_handler: not running under forkbox (forkbox_wait_request: %s)\n",
            strerror((int)-ready));
    return kExitNotForkbox;
  }

  Field method, path, query, body;
  long err;
  if ((err = read_field(FORKBOX_FIELD_METHOD, method_buf, sizeof method_buf, &method)) < 0 ||
      (err = read_field(FORKBOX_FIELD_PATH, path_buf, sizeof path_buf, &path)) < 0 ||
      (err = read_field(FORKBOX_FIELD_QUERY, query_buf, sizeof query_buf, &query)) < 0 ||
      (err = read_field(FORKBOX_FIELD_BODY, body_buf, sizeof body_buf, &body)) < 0) {
    fprintf(stderr, "json_handler: reading the request failed: %s\n", strerror((int)-err));
    return kExitFailure;
  }

  /* The decoded query is never longer than the query itself. */
  char* scratch_mem = query.len <= sizeof scratch_buf ? scratch_buf : malloc(query.len);
  FbOut scratch = fb_out(scratch_mem, scratch_mem ? query.len : 0);
  FbQueryParam params[FB_QUERY_PARAMS_MAX];
  size_t param_count = 0;
  FbQueryError qerr = fb_parse_query(query.data, query.len, &scratch, params, &param_count);

  /* Every rendered byte comes from the request (at most 6 output bytes per input byte, for
   * \u00XX) plus a bounded frame. */
  size_t need = 6 * (method.len + path.len + query.len + 3 * kHeaderValueCap) + 1024;
  if (need > kResponseMax) need = kResponseMax;
  char* response_mem = need <= sizeof response_buf ? response_buf : malloc(need);
  if (!response_mem) {
    fprintf(stderr, "json_handler: out of memory\n");
    return kExitFailure;
  }
  FbOut out = fb_out(response_mem, need);

  if (qerr != FB_QUERY_OK) {
    fb_render_error_json(&out, "malformed query", fb_query_error_message(qerr));
    respond_json(400, &out);
    return kExitFailure;
  }

  FbHeaderView headers[3];
  read_header("content-type", header_bufs[0], kHeaderValueCap, &headers[0]);
  read_header("user-agent", header_bufs[1], kHeaderValueCap, &headers[1]);
  read_header("x-request-id", header_bufs[2], kHeaderValueCap, &headers[2]);

  FbRequestView view = {method.data, method.len, path.data, path.len,  params,
                        param_count, headers,    3,         body.data, body.len};
  if (fb_render_request_json(&out, &view) != 0) {
    out = fb_out(response_mem, need);
    fb_render_error_json(&out, "response too large", "the rendered document exceeds 8 MiB");
    respond_json(500, &out);
    return kExitFailure;
  }
  respond_json(200, &out);
  return kExitFailure;
}
