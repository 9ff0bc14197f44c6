/* forkbox's Lua exec agent: a static riscv64 program that warms up a Lua 5.4 state, then runs
 * one program handed to it on stdin in an exec frame, behaving as `lua NAME ARGS...` would.
 *
 * Why it is shaped this way:
 * - forkbox snapshots a runtime at its first read of stdin and serves every `forkbox exec` in a
 *   copy-on-write fork of that snapshot. Everything before the first read (creating the state,
 *   opening the standard libraries, switching the collector to generational mode) is therefore
 *   paid once per template, not per execution.
 * - The code arrives separately from the program's stdin, in one frame on stdin (text header
 *   line, then raw bytes; docs/guest-abi.md). The frame is read through the C `stdin` FILE*, so
 *   whatever stdio buffered past the frame is exactly what io.read sees next.
 * - Output must be byte-identical to the standalone interpreter (tests/lua compares them), so
 *   the run is structured as the standalone one is: a C function run under lua_pcall loads the
 *   chunk and calls it under a message handler that appends a traceback; errors are printed as
 *   "lua: <message>"; the state is closed at the end (finalizers run) and the exit status is 1
 *   after an error, 0 otherwise. The names "lua" (arg[-1], the message prefix) match
 *   `qemu-riscv64 -0 lua lua NAME ARGS...`.
 * - Every fork shares the template's memory, including math.random's state, so the agent
 *   reseeds it from getrandom() (which forkbox answers differently in every fork) right after
 *   reading the frame. Lua's string hash seed is fixed at state creation and stays shared.
 * - The frame is hostile input: every count and length is checked against a named limit
 *   before anything is allocated, and a malformed frame ends the program with status 125
 *   (kExitBadFrame) and one line on stderr, before any Lua code runs.
 * - Every guest instruction of an execution is paid per request, so the agent avoids work the
 *   program cannot observe: small blocks come from size-class free lists instead of glibc's
 *   malloc (a fifth of a `print(1+1)` was spent there), and the state is closed at exit only
 *   when closing could run a finalizer (it was half of a `print(1+1)`). Whatever can be
 *   prepared before the ready point is: the `arg` slot in _G, the strings and tables an
 *   execution needs (upvalues of run_program), stdout's buffer, math.random's state address.
 *   Measured with `qemu-riscv64 -singlestep -d exec`: 13,633 guest instructions from the
 *   frame read to exit_group for `print(1+1)`, against 18,588 before that preparation, a
 *   frame-free allocator fast path and a memchr over stdio's buffer for the header. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lauxlib.h"
#include "lua.h"
#include "lualib.h"
/* The collector's lists of objects with finalizers (see finalizers_pending). */
#include "internal/lstate.h"

#if LUA_VERSION_RELEASE_NUM != 50404
#error "agent.c reads lstate.h internals checked against Lua 5.4.4 only"
#endif

/* The first token of a frame header; the version that follows must be kFrameVersion. */
static const char kFrameMagic[] = "FORKBOX-EXEC";
enum { kFrameVersion = 1 };

/* Limits on the frame. They bound what a hostile frame can make the agent allocate, and they
 * are the limits forkbox's host side enforces before framing (docs/guest-abi.md). */
enum {
  /* The header is a handful of decimal numbers: 4 KiB holds 256 argument lengths of 8 digits. */
  kHeaderMax = 4096,
  /* As many arguments as a shell script would reasonably pass; keeps the Lua stack small. */
  kArgcMax = 256,
  /* A script name is a path: Linux's PATH_MAX. */
  kNameMax = 4096,
};
/* Lua source or a precompiled chunk; far above any script, far below the guest's memory. */
static const size_t kCodeMax = (size_t)16 << 20;
/* Linux's own argv limits (MAX_ARG_STRLEN per string, the default 2 MiB ARG_MAX in total):
 * any argument list a real `lua` could receive fits. */
static const size_t kArgMax = (size_t)128 << 10;
static const size_t kArgsTotalMax = (size_t)2 << 20;

/* Exit statuses of the agent itself (the program's own come from Lua). */
enum { kExitSuccess = 0, kExitFailure = 1, kExitBadFrame = 125 };

/* The interpreter name the standalone interpreter reports (argv[0] under `qemu -0 lua`). */
static const char kProgName[] = "lua";

/* Why a frame was rejected; each reads as the message printed for it. */
typedef enum {
  kFrameOk,
  kFrameEmpty,
  kFrameHeaderTooLong,
  kFrameHeaderUnterminated,
  kFrameBadMagic,
  kFrameBadVersion,
  kFrameBadNumber,
  kFrameTrailingGarbage,
  kFrameNameTooLong,
  kFrameNameHasNul,
  kFrameCodeTooLong,
  kFrameTooManyArgs,
  kFrameArgTooLong,
  kFrameArgsTooLong,
  kFrameTruncated,
  kFrameOutOfMemory,
} FrameError;

static const char* frame_error_message(FrameError e) {
  switch (e) {
    case kFrameOk:
      return "ok";
    case kFrameEmpty:
      return "stdin is empty (no exec frame)";
    case kFrameHeaderTooLong:
      return "header line longer than 4096 bytes";
    case kFrameHeaderUnterminated:
      return "stdin ended inside the header line";
    case kFrameBadMagic:
      return "header does not start with FORKBOX-EXEC";
    case kFrameBadVersion:
      return "unsupported frame version (expected 1)";
    case kFrameBadNumber:
      return "malformed or missing number in header";
    case kFrameTrailingGarbage:
      return "header has more fields than argc announces";
    case kFrameNameTooLong:
      return "name longer than 4096 bytes";
    case kFrameNameHasNul:
      return "name contains a NUL byte";
    case kFrameCodeTooLong:
      return "code longer than 16 MiB";
    case kFrameTooManyArgs:
      return "more than 256 arguments";
    case kFrameArgTooLong:
      return "an argument is longer than 128 KiB";
    case kFrameArgsTooLong:
      return "arguments total more than 2 MiB";
    case kFrameTruncated:
      return "stdin ended inside the frame";
    case kFrameOutOfMemory:
      return "out of memory reading the frame";
  }
  return "unknown error";
}

/* The agent's block allocator (defined with the Lua allocator below): frame buffers come
 * from the same size-class pool as Lua's blocks, so a small frame costs no glibc malloc. */
static void* block_alloc(size_t size);
static void block_free(void* ptr, size_t size);

/* One decoded frame. The buffers are owned (block_alloc) and released by frame_free. */
typedef struct {
  /* "@" + name + NUL: the chunk name lua_load wants, as `lua NAME` names a script file. */
  char* chunk_name;
  char* name; /* chunk_name + 1: NUL-terminated (NUL bytes are rejected) */
  size_t name_len;
  char* code;
  size_t code_len;
  size_t argc;
  size_t arg_len[kArgcMax];
  char* args; /* the arguments concatenated, arg_len[i] bytes each */
  size_t args_total;
} Frame;

static void frame_free(Frame* f) {
  if (f->chunk_name) block_free(f->chunk_name, f->name_len + 2);
  if (f->code) block_free(f->code, f->code_len + 1);
  if (f->args) block_free(f->args, f->args_total + 1);
  f->chunk_name = f->name = f->code = f->args = NULL;
}

/* Reads the header line (without its '\n') into line[kHeaderMax + 1]. */
static FrameError read_header_line(FILE* in, char* line, size_t* len) {
  size_t n = 0;
  for (;;) {
    /* What stdio has buffered is searched in one memchr (glibc's FILE read pointers are
     * public fields): the same result as the byte loop below, for a tenth of the
     * instructions. At most one byte past the room left is looked at, and that byte decides
     * between the end of the line and a line too long, as in the loop. */
    while (in->_IO_read_ptr < in->_IO_read_end) {
      const char* p = in->_IO_read_ptr;
      size_t avail = (size_t)(in->_IO_read_end - p);
      size_t room = kHeaderMax - 1 - n; /* bytes other than '\n' still allowed */
      size_t scan = avail < room + 1 ? avail : room + 1;
      const char* nl = memchr(p, '\n', scan);
      size_t take = nl != NULL ? (size_t)(nl - p) : scan;
      if (nl == NULL && scan > room) return kFrameHeaderTooLong;
      memcpy(line + n, p, take);
      n += take;
      in->_IO_read_ptr += take;
      if (nl != NULL) {
        ++in->_IO_read_ptr; /* the '\n' */
        line[n] = '\0';
        *len = n;
        return kFrameOk;
      }
    }
    int c = getc_unlocked(in); /* refills the buffer; one thread, so no stream lock */
    if (c == EOF) return n == 0 ? kFrameEmpty : kFrameHeaderUnterminated;
    if (c == '\n') break;
    /* kHeaderMax counts the '\n', so at most kHeaderMax - 1 other bytes. */
    if (n + 1 >= kHeaderMax) return kFrameHeaderTooLong;
    line[n++] = (char)c;
  }
  line[n] = '\0';
  *len = n;
  return kFrameOk;
}

/* Parses one space-preceded unsigned decimal field at *p, no larger than max. */
static FrameError parse_field(const char** p, size_t max, size_t* out) {
  const char* s = *p;
  if (*s != ' ') return kFrameBadNumber;
  ++s;
  if (*s < '0' || *s > '9') return kFrameBadNumber;
  size_t v = 0;
  /* Callers pass max <= SIZE_MAX / 16, and v <= max before each step, so v * 10 + 9 cannot
   * overflow. */
  while (*s >= '0' && *s <= '9') {
    v = v * 10 + (size_t)(*s - '0');
    if (v > max) return kFrameBadNumber;
    ++s;
  }
  *p = s;
  *out = v;
  return kFrameOk;
}

/* Parses a field and reports a value above `limit` as `too_big`, so that each limit has its own
 * message. */
static FrameError parse_limited(const char** p, size_t limit, FrameError too_big, size_t* out) {
  FrameError e = parse_field(p, SIZE_MAX / 16, out);
  if (e != kFrameOk) return e;
  return *out > limit ? too_big : kFrameOk;
}

/* Reads exactly len bytes into a new block of len + extra bytes, the first `skip` of them left
 * for the caller (skip < extra; the rest of the spare room is for a NUL). */
static FrameError read_exact(FILE* in, size_t len, char** out, size_t extra, size_t skip) {
  char* buf = block_alloc(len + extra);
  if (!buf) return kFrameOutOfMemory;
  if (len > 0 && fread(buf + skip, 1, len, in) != len) {
    block_free(buf, len + extra);
    return kFrameTruncated;
  }
  *out = buf;
  return kFrameOk;
}

/* Reads and validates one frame from `in`; on success the program's stdin follows in `in`. */
static FrameError read_frame(FILE* in, Frame* f) {
  char line[kHeaderMax + 1];
  size_t line_len = 0;
  FrameError e = read_header_line(in, line, &line_len);
  if (e != kFrameOk) return e;
  size_t magic_len = sizeof kFrameMagic - 1;
  if (line_len < magic_len || memcmp(line, kFrameMagic, magic_len) != 0) return kFrameBadMagic;
  const char* p = line + magic_len;
  size_t version = 0;
  if (parse_field(&p, 1000, &version) != kFrameOk) return kFrameBadNumber;
  if (version != kFrameVersion) return kFrameBadVersion;
  if ((e = parse_limited(&p, kNameMax, kFrameNameTooLong, &f->name_len)) != kFrameOk) return e;
  if ((e = parse_limited(&p, kCodeMax, kFrameCodeTooLong, &f->code_len)) != kFrameOk) return e;
  if ((e = parse_limited(&p, kArgcMax, kFrameTooManyArgs, &f->argc)) != kFrameOk) return e;
  size_t args_total = 0;
  for (size_t i = 0; i < f->argc; ++i) {
    if ((e = parse_limited(&p, kArgMax, kFrameArgTooLong, &f->arg_len[i])) != kFrameOk) return e;
    args_total += f->arg_len[i]; /* at most 256 * 128 KiB: no overflow */
  }
  if (*p != '\0') return kFrameTrailingGarbage;
  if (args_total > kArgsTotalMax) return kFrameArgsTooLong;

  if ((e = read_exact(in, f->name_len, &f->chunk_name, 2, 1)) != kFrameOk) return e;
  f->chunk_name[0] = '@';
  f->name = f->chunk_name + 1;
  f->name[f->name_len] = '\0';
  if (memchr(f->name, '\0', f->name_len)) return kFrameNameHasNul;
  /* One spare byte each: the buffers are never empty, which keeps sizes and frees simple. */
  if ((e = read_exact(in, f->code_len, &f->code, 1, 0)) != kFrameOk) return e;
  f->args_total = args_total;
  return read_exact(in, args_total, &f->args, 1, 0);
}

/* Prints "lua: msg" on stderr as the standalone interpreter does. */
static void print_error(const char* msg) {
  fprintf(stderr, "%s: %s\n", kProgName, msg);
  fflush(stderr);
}

/* Message handler for the program's pcall: turns the error into "message + traceback", using
 * a non-string error's __tostring when it yields a string. */
static int message_handler(lua_State* L) {
  const char* msg = lua_tostring(L, 1);
  if (msg == NULL) {
    if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
    msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  }
  luaL_traceback(L, L, msg, 1);
  return 1;
}

/* Chunk reader: an optional "\n" (keeping line numbers when a '#' first line was dropped), then
 * the code, in one piece each. */
typedef struct {
  const char* prefix;
  size_t prefix_len;
  const char* code;
  size_t code_len;
} ChunkReader;

static const char* read_chunk(lua_State* L, void* data, size_t* size) {
  (void)L;
  ChunkReader* r = data;
  if (r->prefix_len > 0) {
    *size = r->prefix_len;
    r->prefix_len = 0;
    return r->prefix;
  }
  *size = r->code_len;
  r->code_len = 0;
  return *size > 0 ? r->code : NULL;
}

/* Loads the code as the standalone interpreter loads a script file: a UTF-8 byte-order mark is
 * dropped, a first line starting with '#' is dropped but its line still counts (unless a
 * precompiled chunk follows it), text and binary chunks are both accepted. */
static int load_code(lua_State* L, const char* chunk_name, const char* code, size_t len) {
  static const char kBom[] = "\xEF\xBB\xBF";
  if (len >= 3 && memcmp(code, kBom, 3) == 0) {
    code += 3;
    len -= 3;
  }
  ChunkReader r = {"\n", 0, code, len};
  if (len > 0 && code[0] == '#') {
    const char* eol = memchr(code, '\n', len);
    size_t skip = eol ? (size_t)(eol - code) + 1 : len;
    r.code = code + skip;
    r.code_len = len - skip;
    if (r.code_len > 0 && r.code[0] == LUA_SIGNATURE[0]) {
      /* A precompiled chunk after the '#' line: the BOM is not skipped twice, and no "\n". */
    } else {
      r.prefix_len = 1;
    }
  }
  return lua_load(L, read_chunk, &r, chunk_name, NULL);
}

/* math.random's generator state (lmathlib.c's RanState: xoshiro256**, four 64-bit words), the
 * userdata shared as upvalue 1 by math.random and math.randomseed. Found and checked at
 * warm-up (find_random_state), written by every fork (reseed_math_random). */
enum { kRandomStateSize = 4 * sizeof(uint64_t) };
static unsigned char* random_state;

/* Gives this fork's math.random its own state: 32 bytes of getrandom(), which forkbox answers
 * differently in every fork, written straight into the generator (xoshiro256** takes any
 * state but all zeros, and all zeros from a CSPRNG is not a case to plan for; it is still
 * refused). Cheaper than calling math.randomseed, which hashes two field names and spins the
 * generator 16 times. Leaves the template's state if getrandom() cannot deliver; the
 * program then sees the standalone interpreter's kind of seed (time and addresses). */
static void reseed_math_random(void) {
  unsigned char bytes[kRandomStateSize];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    got += (size_t)n;
  }
  uint64_t words[4];
  memcpy(words, bytes, sizeof words);
  if ((words[0] | words[1] | words[2] | words[3]) != 0) memcpy(random_state, words, sizeof words);
}

/* Finds math.random's state (see random_state); raises an error if the library is not shaped
 * as the Lua this agent was checked against. */
static void find_random_state(lua_State* L) {
  lua_getglobal(L, "math");
  lua_getfield(L, -1, "random");
  if (lua_tocfunction(L, -1) == NULL || lua_getupvalue(L, -1, 1) == NULL ||
      lua_type(L, -1) != LUA_TUSERDATA || lua_rawlen(L, -1) != kRandomStateSize)
    luaL_error(L, "lua-agent: math.random is not Lua 5.4.4's xoshiro256** (cannot reseed)");
  random_state = lua_touserdata(L, -1);
  lua_pop(L, 3);
}

/* Upvalues of run_program, made once at warm-up so that an execution interns no string and
 * does not look up a global by name. */
enum { kUpGlobals = 1, kUpArgKey, kUpProgName, kUpCount = kUpProgName };

/* The global `arg`: arg[-1] the interpreter, arg[0] the script name, arg[1..n] the arguments.
 * Leaves the table on the stack. As in the standalone interpreter, `arg` is set before the
 * program runs and _G has no metatable yet, so a raw set is what lua_setglobal would do. */
static void set_arg_table(lua_State* L, const Frame* f) {
  lua_createtable(L, (int)f->argc, 2);
  lua_pushvalue(L, lua_upvalueindex(kUpProgName));
  lua_rawseti(L, -2, -1);
  lua_pushlstring(L, f->name, f->name_len);
  lua_rawseti(L, -2, 0);
  const char* a = f->args;
  for (size_t i = 0; i < f->argc; ++i) {
    lua_pushlstring(L, a, f->arg_len[i]);
    lua_rawseti(L, -2, (lua_Integer)i + 1);
    a += f->arg_len[i];
  }
  lua_pushvalue(L, lua_upvalueindex(kUpGlobals));
  lua_pushvalue(L, lua_upvalueindex(kUpArgKey));
  lua_pushvalue(L, -3);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

/* Pushes arg[1..#arg] as the chunk's varargs (after the chunk itself); returns their count.
 * `arg_index` is the table set_arg_table left; like the standalone interpreter, #arg decides. */
static int push_script_args(lua_State* L, int arg_index) {
  int n = (int)luaL_len(L, arg_index);
  luaL_checkstack(L, n + 3, "too many arguments to script");
  for (int i = 1; i <= n; ++i) lua_rawgeti(L, arg_index, i);
  return n;
}

/* Runs the frame's program; called under lua_pcall with the Frame as light userdata. Returns
 * one boolean: true when the program ran without error. */
static int run_program(lua_State* L) {
  Frame* f = lua_touserdata(L, 1);
  set_arg_table(L, f);
  int arg_index = lua_gettop(L);

  int status = load_code(L, f->chunk_name, f->code, f->code_len);
  block_free(f->code, f->code_len + 1); /* Lua holds its own copy now: release it early */
  f->code = NULL;
  if (status == LUA_OK) {
    int n = push_script_args(L, arg_index);
    int base = lua_gettop(L) - n;
    lua_pushcfunction(L, message_handler);
    lua_insert(L, base);
    status = lua_pcall(L, n, LUA_MULTRET, base);
    lua_remove(L, base);
  }
  if (status != LUA_OK) {
    print_error(lua_tostring(L, -1));
    lua_pop(L, 1);
    return 0; /* the caller sees a false result */
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* Gives stdout, before the ready point, the buffer glibc would allocate at its first write,
 * with the same size and mode (line-buffered only on a terminal), so that a fork's first
 * print costs neither that fstat nor that malloc. */
static void preallocate_stdout_buffer(void) {
  static char buffer[BUFSIZ];
  size_t size = BUFSIZ;
  int mode = _IOFBF;
  struct stat st;
  if (fstat(STDOUT_FILENO, &st) == 0) {
    if (S_ISCHR(st.st_mode) && isatty(STDOUT_FILENO)) mode = _IOLBF;
    if (st.st_blksize > 0 && st.st_blksize < BUFSIZ) size = (size_t)st.st_blksize;
  }
  setvbuf(stdout, buffer, mode, size);
}

/* Warm-up, before the ready point (under pcall: it can fail for lack of memory): opens the
 * standard libraries and switches the collector to generational mode, as the standalone
 * interpreter does before running a script. The switch runs a full collection that writes to
 * every object; done here, forks do not copy every heap page for it. */
static int warm_up(lua_State* L) {
  luaL_checkversion(L);
  luaL_openlibs(L);
  /* `arg` exists in _G from here on, as in the standalone interpreter (set between opening the
   * libraries and the switch to generational mode), so that setting it per execution never
   * grows _G. Each execution replaces it before the program runs. */
  lua_pushboolean(L, 0);
  lua_setglobal(L, "arg");
  find_random_state(L);
  preallocate_stdout_buffer();
  lua_gc(L, LUA_GCGEN, 0, 0);
  /* Entering generational mode leaves the collector's debt where incremental mode had it, so
   * the first young collection would come a few hundred bytes into every execution (~2,500
   * guest instructions of a `print(1+1)`). One step here runs it in the template and gives
   * every fork a full minor budget (a fifth of the heap, about 4 KiB). */
  lua_gc(L, LUA_GCSTEP, 0);
  /* The execution entry point, with its upvalues (see kUpGlobals): returned to main, which
   * keeps it on the stack across the ready point. */
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  lua_pushliteral(L, "arg");
  lua_pushstring(L, kProgName);
  lua_pushcclosure(L, run_program, kUpCount);
  return 1;
}

/* The state's allocator. Blocks up to kSmallMax bytes come from per-size-class free lists
 * carved from kChunkSize chunks; bigger ones from glibc. Lua passes every block's size back
 * when it resizes or frees it, so blocks carry no header, and a block's kind follows from the
 * size Lua reports: at most kSmallMax means a size-class block (or a bigger block kept by a
 * shrink, which is at least that large), more means glibc's. Freed small blocks are reused
 * for their class only and never go back to glibc: a fork lives for one execution. */
enum {
  kGranule = 16,                        /* class c holds blocks of (c + 1) * 16 bytes */
  kSmallMax = 512,                      /* tables, strings, closures: nearly every block */
  kClassCount = kSmallMax / kGranule,
  kChunkSize = 64 << 10,                /* waste at a chunk's end is below kSmallMax */
};

typedef struct FreeBlock {
  struct FreeBlock* next;
} FreeBlock;

typedef struct {
  FreeBlock* free[kClassCount];
  char* bump;
  char* bump_end;
} SmallPool;

static SmallPool small_pool;

static size_t class_of(size_t size) { return (size - 1) / kGranule; }

/* Starts a new chunk and carves `bytes` from it (small_alloc's rare path). */
static __attribute__((noinline)) void* small_alloc_new_chunk(size_t bytes) {
  char* chunk = malloc(kChunkSize);
  if (chunk == NULL) return NULL;
  small_pool.bump = chunk + bytes;
  small_pool.bump_end = chunk + kChunkSize;
  return chunk;
}

/* Inline, and calls nothing on its common paths (a free-list pop or a bump), so that the
 * allocator's callers need no stack frame for it: Lua allocates about 50 times per
 * `print(1+1)`. */
static inline void* small_alloc(size_t size) {
  size_t c = class_of(size);
  FreeBlock* b = small_pool.free[c];
  if (b != NULL) {
    small_pool.free[c] = b->next;
    return b;
  }
  size_t bytes = (c + 1) * kGranule;
  if ((size_t)(small_pool.bump_end - small_pool.bump) < bytes) return small_alloc_new_chunk(bytes);
  void* p = small_pool.bump;
  small_pool.bump += bytes;
  return p;
}

/* A block of `size` (> 0) bytes: a size-class block up to kSmallMax, else glibc's. */
static void* block_alloc(size_t size) { return size <= kSmallMax ? small_alloc(size) : malloc(size); }

static void block_free(void* ptr, size_t size) {
  if (size > kSmallMax) {
    free(ptr);
    return;
  }
  FreeBlock* b = ptr;
  size_t c = class_of(size);
  b->next = small_pool.free[c];
  small_pool.free[c] = b;
}

/* Resizes a live block (agent_alloc's less common path). */
static __attribute__((noinline)) void* agent_realloc(void* ptr, size_t osize, size_t nsize) {
  if (osize > kSmallMax && nsize > kSmallMax) return realloc(ptr, nsize);
  if (osize <= kSmallMax && nsize <= kSmallMax && class_of(osize) == class_of(nsize)) return ptr;
  void* p = block_alloc(nsize);
  if (p == NULL) return nsize <= osize ? ptr : NULL; /* Lua requires that a shrink never fails */
  memcpy(p, ptr, osize < nsize ? osize : nsize);
  block_free(ptr, osize);
  return p;
}

static void* agent_alloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  (void)ud;
  if (ptr == NULL) { /* then osize names the kind of object, not a size */
    if (nsize == 0) return NULL;
    return nsize <= kSmallMax ? small_alloc(nsize) : malloc(nsize);
  }
  if (nsize == 0) {
    block_free(ptr, osize);
    return NULL;
  }
  return agent_realloc(ptr, osize, nsize);
}

/* Whether closing the state could run code the program can observe. lua_close calls the
 * finalizers of every object on the collector's `finobj` list and runs the pending ones on
 * `tobefnz`. An object gets a finalizer by being linked at the head of `finobj`, and leaves the
 * list only when the collector moves it to `tobefnz`, so while the head is still the one the
 * template had at its ready point (the standard files, whose finalizers do nothing visible)
 * and nothing awaits finalization, the execution created no finalizer that has not run. When
 * this says no, exiting without lua_close is indistinguishable from closing: exit() flushes
 * stdio and the fork's memory is discarded whole. */
static int finalizers_pending(lua_State* L, const GCObject* finobj_at_ready) {
  const global_State* g = G(L);
  return g->finobj != finobj_at_ready || g->tobefnz != NULL;
}

/* The allocator for lua_close at exit: allocations still work (finalizers may allocate) but
 * frees do nothing. The process is about to end and its memory with it, so freeing every
 * object one by one would only cost time: measured through `forkbox exec --stats`, it cuts
 * `print(1+1)` from about 92,000 to 53,000 guest instructions. */
static void* alloc_without_free(void* ud, void* ptr, size_t osize, size_t nsize) {
  (void)ud;
  (void)osize;
  if (nsize == 0) return NULL;
  return realloc(ptr, nsize);
}

int main(void) {
  lua_State* L = luaL_newstate(); /* with the auxiliary library's panic and warning functions */
  if (L != NULL) lua_setallocf(L, agent_alloc, NULL); /* glibc's blocks stay valid under it */
  if (L == NULL) {
    print_error("cannot create state: not enough memory");
    return kExitFailure;
  }
  lua_pushcfunction(L, warm_up);
  if (lua_pcall(L, 0, 1, 0) != LUA_OK) { /* leaves run_program's closure at index 1 */
    print_error(lua_tostring(L, -1));
    lua_close(L);
    return kExitFailure;
  }

  /* The ready point: forkbox snapshots the program at this first read of stdin. */
  const GCObject* finobj_at_ready = G(L)->finobj;
  Frame frame = {0};
  FrameError e = read_frame(stdin, &frame);
  if (e != kFrameOk) {
    fprintf(stderr, "lua-agent: malformed exec frame: %s\n", frame_error_message(e));
    frame_free(&frame);
    lua_close(L);
    return kExitBadFrame;
  }

  reseed_math_random();
  lua_pushvalue(L, 1);
  lua_pushlightuserdata(L, &frame);
  int status = lua_pcall(L, 1, 1, 0);
  int ok = lua_toboolean(L, -1);
  if (status != LUA_OK) print_error(lua_tostring(L, -1));
  lua_pop(L, 1);
  frame_free(&frame);
  /* Close the state as the standalone interpreter does when that can run a finalizer (__gc),
   * but without freeing the memory of a process that is about to exit. */
  if (finalizers_pending(L, finobj_at_ready)) {
    lua_setallocf(L, alloc_without_free, NULL);
    lua_close(L);
    fflush(NULL); /* a finalizer may have left any stream with buffered output */
  } else {
    /* Without a finalizer to close them, only the standard streams can hold output: every
     * stream the program opens is a Lua file object, which has a finalizer. */
    fflush(stdout);
    fflush(stderr);
  }
  /* What returning from main does, minus glibc's exit machinery (no atexit handlers; stdio
   * flushed above), which cost about 700 guest instructions per execution. */
  _exit(ok && status == LUA_OK ? kExitSuccess : kExitFailure);
}
