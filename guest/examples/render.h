/* The request-to-JSON logic of guest/examples/json_handler.c, kept apart from the host calls so
 * that it can be unit-tested natively (tests/handlers) and reused by other handlers.
 *
 * It is header-only C that also compiles as C++ (the tests are GoogleTest), allocates nothing,
 * and writes into a caller-supplied fixed buffer: a handler runs in a fork whose every page
 * written is copied, so output goes straight into one buffer, and running out of room is a
 * reported condition (FbOut.overflow), never a write past the end. Request data is hostile:
 * query strings are decoded strictly (a bad %-escape is an error, answered with 400), every
 * count is bounded by a named limit, and strings are emitted as valid JSON whatever their bytes
 * (control characters escaped, invalid UTF-8 replaced by U+FFFD). */
#ifndef FORKBOX_EXAMPLES_RENDER_H
#define FORKBOX_EXAMPLES_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* At most this many query parameters are decoded: enough for any form, and it bounds the
 * parameter table a handler keeps on its stack. */
#define FB_QUERY_PARAMS_MAX 64

/* ---- Output buffer ------------------------------------------------------------------------ */

typedef struct {
  char* data;
  size_t cap;
  size_t len;
  int overflow; /* set once anything did not fit; len then stops growing */
} FbOut;

static inline FbOut fb_out(char* data, size_t cap) {
  FbOut out;
  out.data = data;
  out.cap = cap;
  out.len = 0;
  out.overflow = 0;
  return out;
}

static inline void fb_put(FbOut* out, const char* s, size_t n) {
  if (out->overflow || n > out->cap - out->len) {
    out->overflow = 1;
    return;
  }
  memcpy(out->data + out->len, s, n);
  out->len += n;
}

static inline void fb_puts(FbOut* out, const char* s) {
  fb_put(out, s, strlen(s));
}

static inline void fb_put_u64(FbOut* out, uint64_t v) {
  char digits[20]; /* 2^64 - 1 has 20 decimal digits */
  size_t n = 0;
  do {
    digits[sizeof digits - 1 - n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  fb_put(out, digits + sizeof digits - n, n);
}

static inline void fb_put_hex64(FbOut* out, uint64_t v) {
  static const char kHex[] = "0123456789abcdef";
  char hex[16];
  for (int i = 15; i >= 0; --i) {
    hex[i] = kHex[v & 0xf];
    v >>= 4;
  }
  fb_put(out, hex, sizeof hex);
}

/* ---- JSON strings ------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when the bytes there are not valid UTF-8
 * (overlong forms, surrogates and code points past U+10FFFF included). */
static inline size_t fb_utf8_sequence(const unsigned char* s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1Fu;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0Fu;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07u;
  } else {
    return 0;
  }
  if (n < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (s[i] & 0x3Fu);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

/* Writes s[0..n) escaped for the inside of a JSON string (no quotes). */
static inline void fb_json_chars(FbOut* out, const char* s, size_t n) {
  static const char kHex[] = "0123456789abcdef";
  const unsigned char* p = (const unsigned char*)s;
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c == '"' || c == '\\') {
      char esc[2] = {'\\', (char)c};
      fb_put(out, esc, 2);
      ++i;
    } else if (c < 0x20 || c == 0x7F) {
      const char* named = c == '\n'   ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                          : c == '\b' ? "\\b"
                          : c == '\f' ? "\\f"
                                      : NULL;
      if (named) {
        fb_put(out, named, 2);
      } else {
        char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        fb_put(out, esc, 6);
      }
      ++i;
    } else {
      size_t len = fb_utf8_sequence(p + i, n - i);
      if (len == 0) {
        fb_put(out, "\\ufffd", 6); /* one replacement per invalid byte */
        ++i;
      } else {
        fb_put(out, s + i, len);
        i += len;
      }
    }
  }
}

/* Writes s[0..n) as a quoted JSON string. */
static inline void fb_json_string(FbOut* out, const char* s, size_t n) {
  fb_put(out, "\"", 1);
  fb_json_chars(out, s, n);
  fb_put(out, "\"", 1);
}

/* ---- Query strings ------------------------------------------------------------------------ */

typedef enum {
  FB_QUERY_OK = 0,
  FB_QUERY_BAD_ESCAPE,      /* '%' not followed by two hex digits */
  FB_QUERY_EMPTY_NAME,      /* a parameter such as "=value" with no name */
  FB_QUERY_TOO_MANY_PARAMS, /* more than FB_QUERY_PARAMS_MAX */
  FB_QUERY_NO_ROOM,         /* the decode buffer is too small */
} FbQueryError;

static inline const char* fb_query_error_message(FbQueryError e) {
  switch (e) {
    case FB_QUERY_OK:
      return "ok";
    case FB_QUERY_BAD_ESCAPE:
      return "'%' must be followed by two hexadecimal digits";
    case FB_QUERY_EMPTY_NAME:
      return "a parameter has an empty name";
    case FB_QUERY_TOO_MANY_PARAMS:
      return "more than 64 parameters";
    case FB_QUERY_NO_ROOM:
      return "query too long to decode";
  }
  return "unknown error";
}

typedef struct {
  const char* name; /* decoded, in the decode buffer; not NUL-terminated */
  size_t name_len;
  const char* value;
  size_t value_len;
  int has_value; /* "a" alone has no value; "a=" has an empty one */
} FbQueryParam;

static inline int fb_hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Decodes application/x-www-form-urlencoded text ('+' is a space, %XX a byte) from s[0..n)
 * into out; the decoded form is never longer than the input. */
static inline FbQueryError fb_form_decode(const char* s, size_t n, FbOut* out) {
  for (size_t i = 0; i < n; ++i) {
    char c = s[i];
    if (c == '%') {
      if (n - i < 3) return FB_QUERY_BAD_ESCAPE;
      int hi = fb_hex_digit(s[i + 1]);
      int lo = fb_hex_digit(s[i + 2]);
      if (hi < 0 || lo < 0) return FB_QUERY_BAD_ESCAPE;
      c = (char)(hi * 16 + lo);
      i += 2;
    } else if (c == '+') {
      c = ' ';
    }
    fb_put(out, &c, 1);
  }
  return out->overflow ? FB_QUERY_NO_ROOM : FB_QUERY_OK;
}

/* Splits query q[0..n) (without '?') on '&' into at most FB_QUERY_PARAMS_MAX parameters,
 * decoding names and values into `scratch` (which must outlive `params`). Empty pieces ("a&&b",
 * a trailing '&') are skipped, as browsers do. */
static inline FbQueryError fb_parse_query(const char* q, size_t n, FbOut* scratch,
                                          FbQueryParam* params, size_t* count) {
  *count = 0;
  size_t start = 0;
  while (start < n) {
    const char* amp = (const char*)memchr(q + start, '&', n - start);
    size_t end = amp ? (size_t)(amp - q) : n;
    if (end > start) {
      if (*count == FB_QUERY_PARAMS_MAX) return FB_QUERY_TOO_MANY_PARAMS;
      const char* piece = q + start;
      size_t piece_len = end - start;
      const char* eq = (const char*)memchr(piece, '=', piece_len);
      size_t name_len = eq ? (size_t)(eq - piece) : piece_len;
      if (name_len == 0) return FB_QUERY_EMPTY_NAME;
      FbQueryParam* p = &params[*count];
      size_t mark = scratch->len;
      FbQueryError e = fb_form_decode(piece, name_len, scratch);
      if (e != FB_QUERY_OK) return e;
      p->name = scratch->data + mark;
      p->name_len = scratch->len - mark;
      p->has_value = eq != NULL;
      mark = scratch->len;
      if (eq) {
        e = fb_form_decode(eq + 1, piece_len - name_len - 1, scratch);
        if (e != FB_QUERY_OK) return e;
      }
      p->value = scratch->data + mark;
      p->value_len = scratch->len - mark;
      ++*count;
    }
    start = end + 1;
  }
  return FB_QUERY_OK;
}

/* ---- The response document ---------------------------------------------------------------- */

/* 64-bit FNV-1a: a cheap, well-known digest that proves the handler saw every body byte. */
static inline uint64_t fb_fnv1a64(const void* data, size_t n) {
  const unsigned char* p = (const unsigned char*)data;
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

typedef struct {
  const char* name; /* lower-case header name as rendered */
  const char* value;
  size_t value_len;
  int present;
} FbHeaderView;

typedef struct {
  const char* method;
  size_t method_len;
  const char* path;
  size_t path_len;
  const FbQueryParam* params;
  size_t param_count;
  const FbHeaderView* headers;
  size_t header_count;
  const void* body;
  size_t body_len;
} FbRequestView;

/* Renders:
 *   {"method":"GET","path":"/x","query":[{"name":"a","value":"1"},{"name":"flag"}],
 *    "headers":{"user-agent":"curl"},"body_length":0,"body_fnv1a64":"cbf29ce484222325"}
 * Query parameters stay an array (names may repeat; order is the client's); headers that are
 * absent are left out. Returns 0, or -1 when `out` was too small. */
static inline int fb_render_request_json(FbOut* out, const FbRequestView* r) {
  fb_puts(out, "{\"method\":");
  fb_json_string(out, r->method, r->method_len);
  fb_puts(out, ",\"path\":");
  fb_json_string(out, r->path, r->path_len);
  fb_puts(out, ",\"query\":[");
  for (size_t i = 0; i < r->param_count; ++i) {
    const FbQueryParam* p = &r->params[i];
    fb_puts(out, i == 0 ? "{\"name\":" : ",{\"name\":");
    fb_json_string(out, p->name, p->name_len);
    if (p->has_value) {
      fb_puts(out, ",\"value\":");
      fb_json_string(out, p->value, p->value_len);
    }
    fb_puts(out, "}");
  }
  fb_puts(out, "],\"headers\":{");
  int first = 1;
  for (size_t i = 0; i < r->header_count; ++i) {
    const FbHeaderView* h = &r->headers[i];
    if (!h->present) continue;
    if (!first) fb_puts(out, ",");
    first = 0;
    fb_json_string(out, h->name, strlen(h->name));
    fb_puts(out, ":");
    fb_json_string(out, h->value, h->value_len);
  }
  fb_puts(out, "},\"body_length\":");
  fb_put_u64(out, r->body_len);
  fb_puts(out, ",\"body_fnv1a64\":\"");
  fb_put_hex64(out, fb_fnv1a64(r->body, r->body_len));
  fb_puts(out, "\"}\n");
  return out->overflow ? -1 : 0;
}

/* Renders {"error":"<message>: <detail>"} for a 400 answer. Returns 0, or -1 when `out` was
 * too small. */
static inline int fb_render_error_json(FbOut* out, const char* message, const char* detail) {
  fb_puts(out, "{\"error\":\"");
  fb_json_chars(out, message, strlen(message));
  fb_puts(out, ": ");
  fb_json_chars(out, detail, strlen(detail));
  fb_puts(out, "\"}\n");
  return out->overflow ? -1 : 0;
}

#ifdef __cplusplus
}
#endif

#endif /* FORKBOX_EXAMPLES_RENDER_H */
