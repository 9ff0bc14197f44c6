# The forkbox Python agent: warms the interpreter (numpy and the modules every execution needs
# are imported here, before the snapshot), then reads one execution's code from the code channel
# and runs it as `python3 FILE` (or `python3 -c`) would.
#
# The read of the code channel (fd 1023, served by the VMM, never by the file system) is the
# snapshot's ready point: the VMM pauses the warm-up there, and every fork resumes inside that
# read with its own request. Everything after it costs VM exits, so the agent does as few system
# calls as it can: one read, the program's own, its output writes and one exit. It also takes no
# Python lock on its own path (see Sink), because each lock acquire reads the clock, and without a
# vDSO each clock read is an exit too.
#
# Channel format (all integers little-endian u32): b"FBX1", field count, then each field as
# length + bytes: [4992 bytes of host CSPRNG seed, file name, code, argv[1], argv[2], ...].
import atexit
import builtins
import ctypes
import gc
import io
import linecache
import os
import random
import struct
import sys
import traceback
import types

import numpy

CODE_FD = 1023
# Why 8 MiB: the VMM refuses larger requests (kMaxCodeBytes in src/kvm/exec_channel.hpp) and this
# buffer is only address space until the VMM writes into it.
BUFFER = bytearray(8 << 20)


# Why 64 KiB: stdout is block-buffered as python3 makes it for a pipe (8 KiB there); a larger
# buffer means fewer write exits for chatty programs, and what a killed program loses is the
# same kind of loss python3 has when it is killed with a full buffer.
STDOUT_BUFFER = 64 << 10


class Sink(io.RawIOBase):
    # stdout/stderr without io.BufferedWriter. Every acquire of a Python lock reads the
    # monotonic clock (CPython 3.11's PyThread_acquire_lock_timed), and without a vDSO every
    # clock read is a VM exit here, about 30 us; BufferedWriter takes its lock on each write and
    # flush. This sink gathers bytes in a bytearray and writes them with one os.write when the
    # buffer fills, on flush(), and at exit.
    def __init__(self, fd, limit):
        super().__init__()
        self._fd = fd
        self._limit = limit
        self._pending = bytearray()

    def writable(self):
        return True

    def fileno(self):
        return self._fd

    def isatty(self):
        return False

    def write(self, data):
        self._pending += data
        if len(self._pending) >= self._limit:
            self.flush()
        return len(data)

    def pending(self):
        return bytes(self._pending)

    def discard(self):
        self._pending.clear()

    def flush(self):
        if self._pending:
            data = bytes(self._pending)
            self._pending.clear()
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view):]


def lock_free_stdio():
    # Same encodings and error handlers as python3 gives a pipe: stdout block-buffered, stderr
    # line-buffered with backslashreplace.
    sys.stdout = io.TextIOWrapper(Sink(1, STDOUT_BUFFER), encoding=sys.stdout.encoding,
                                  errors=sys.stdout.errors, write_through=True)
    sys.stderr = io.TextIOWrapper(Sink(2, 0), encoding=sys.stderr.encoding,
                                  errors=sys.stderr.errors, line_buffering=True,
                                  write_through=True)
    sys.__stdout__, sys.__stderr__ = sys.stdout, sys.stderr


# Both global generators are MT19937: 624 32-bit words of state and a position.
MT_WORDS = 624
MT_BYTES = 4 * MT_WORDS
# The position that makes the next draw regenerate the whole block from the state.
MT_FRESH_POSITION = MT_WORDS.to_bytes(4, "little")


def memory_view(address, size):
    # A writable view of `size` bytes of this process at `address`, made once at warm-up so
    # that reseeding is a slice assignment (no foreign call, no new objects).
    return memoryview((ctypes.c_char * size).from_address(address)).cast("B")


def random_state_views():
    # random's global instance is a C RandomObject {PyObject_HEAD; int index; uint32_t
    # state[624]} (Modules/_randommodule.c). Rather than trusting that layout, find the state
    # words by their value and the index just before them, then check that a write through the
    # views is what getstate() reports.
    inst = random._inst
    saved = inst.getstate()
    _, internal, gauss_next = saved
    if gauss_next is not None or len(internal) != MT_WORDS + 1:
        raise SystemExit("forkbox agent: unexpected random state")
    raw = ctypes.string_at(id(inst), type(inst).__basicsize__)
    at = raw.find(struct.pack("<624I", *internal[:MT_WORDS]))
    if at < 4 or raw.count(raw[at:at + MT_BYTES]) != 1:
        raise SystemExit("forkbox agent: cannot find random's state")
    if int.from_bytes(raw[at - 4:at], "little") != internal[MT_WORDS]:
        raise SystemExit("forkbox agent: cannot find random's position")
    position = memory_view(id(inst) + at - 4, 4)
    words = memory_view(id(inst) + at, MT_BYTES)
    probe = bytes(range(256)) * (MT_BYTES // 256) + bytes(MT_BYTES % 256)
    position[:] = MT_FRESH_POSITION
    words[:] = probe
    ok = inst.getstate()[1] == struct.unpack("<624I", probe) + (MT_WORDS,)
    inst.setstate(saved)
    if not ok:
        raise SystemExit("forkbox agent: random's state views do not match getstate()")
    return position, words


def numpy_state_views():
    # numpy's global RandomState draws from an MT19937 bit generator whose C state is
    # {uint32_t key[624]; int pos} at bit_generator.ctypes.state_address (numpy's documented
    # interface); checked against the generator's own view of its state as above.
    legacy = numpy.random.mtrand._rand
    if legacy.get_state()[3] != 0:
        raise SystemExit("forkbox agent: numpy's gaussian cache is not empty")
    bits = legacy._bit_generator
    address = bits.ctypes.state_address
    state = bits.state["state"]
    raw = ctypes.string_at(address, MT_BYTES + 4)
    if (raw[:MT_BYTES] != state["key"].astype("<u4").tobytes()
            or int.from_bytes(raw[MT_BYTES:], "little", signed=True) != state["pos"]):
        raise SystemExit("forkbox agent: numpy's state is not where its bit generator says")
    return memory_view(address + MT_BYTES, 4), memory_view(address, MT_BYTES)


RANDOM_POSITION, RANDOM_WORDS = random_state_views()
NUMPY_POSITION, NUMPY_WORDS = numpy_state_views()


def exit_code_of(exc):
    code = exc.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except Exception:
        pass
    return 1


def user_main_module():
    # The program's __main__, built before the snapshot and installed in sys.modules then, so
    # that an execution neither builds a module nor writes sys.modules (pages written in every
    # fork). Each fork starts from the snapshot's copy, so the program always gets it pristine.
    # The agent's own functions keep their globals (the agent module's dict) either way.
    main = types.ModuleType("__main__")
    main.__builtins__ = builtins
    sys.modules["__main__"] = main
    return main


def execute(n, rehearsal=False):
    # One execution, from the request in BUFFER[:n] to the exit status. One function on
    # purpose: every Python function an execution calls writes its code object (reference
    # count, warm-up and specialization counters), and code objects of different sizes sit in
    # different obmalloc pools, so each helper on this path cost a 4 KiB page per execution.
    # Only the error paths (exit_code_of, tracebacks) are functions of their own.
    #
    # The request: the seed stays a view into BUFFER (copied straight into the generators,
    # never into a bytes object of its own), the other fields become bytes.
    view = memoryview(BUFFER)[:n]
    if view[:4] != b"FBX1":
        raise SystemExit("forkbox agent: bad request header")
    (count,) = struct.unpack_from("<I", view, 4)
    at = 8
    fields = []
    for _ in range(count):
        (size,) = struct.unpack_from("<I", view, at)
        at += 4
        fields.append(view[at:at + size] if not fields else bytes(view[at:at + size]))
        at += size
    # Each fork must draw different random numbers: the snapshot holds one generator state.
    # The host sends a whole MT19937 state for each generator (2 x 2496 bytes of its CSPRNG);
    # copying them in and setting the positions to "regenerate" is what random.seed and
    # numpy's state setter end up doing, without the big integers, dicts and arrays they build
    # (and the pages those dirty). The gaussian caches are empty in the snapshot (checked at
    # warm-up) and so in every fork.
    seed = fields[0]
    if len(seed) != 2 * MT_BYTES:
        raise SystemExit("forkbox agent: the request's seed has the wrong size")
    RANDOM_WORDS[:] = seed[:MT_BYTES]
    RANDOM_POSITION[:] = MT_FRESH_POSITION
    NUMPY_WORDS[:] = seed[MT_BYTES:2 * MT_BYTES]
    NUMPY_POSITION[:] = MT_FRESH_POSITION
    file_name = fields[1].decode("utf-8", "surrogateescape")
    code = fields[2].decode("utf-8", "surrogateescape")
    argv = [file_name] + [f.decode("utf-8", "surrogateescape") for f in fields[3:]]
    del fields, seed, view
    # The snapshot's sys.argv is ["<string>"] (from the rehearsal): keeping that list when it is
    # equal spares freeing it and writing the sys module's dict in every `-c` execution.
    if sys.argv != argv:
        sys.argv = argv
    main = sys.modules["__main__"]
    if file_name != "<string>":
        main.__file__ = file_name
        # Tracebacks show source lines from linecache; the file exists only in the request.
        linecache.cache[file_name] = (len(code), None, code.splitlines(True), file_name)
    status = 0
    try:
        compiled = compile(code, file_name, "exec", dont_inherit=True)
        exec(compiled, main.__dict__)
    except SystemExit as exc:
        status = exit_code_of(exc)
    except BaseException as exc:
        print_user_traceback(exc)
        status = 1
    if rehearsal:
        if status != 0 or sys.stdout.buffer.pending() != b"2\n":
            raise SystemExit("forkbox agent: the rehearsal failed")
        sys.stdout.buffer.discard()
        # With no exit functions registered, running them changes nothing (with some, they
        # would run here and never in a fork); with nothing pending, flushing makes no system
        # call. Both warm the caches the real finish below uses.
        if atexit._ncallbacks() != 0:
            return status
    try:
        atexit._run_exitfuncs()
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            status = status or 120  # what python3 exits with when flushing stdout fails
    return status


def print_user_traceback(exc):
    tb = exc.__traceback__
    # Drop the agent's own frames: the traceback starts in the user's code, as python3's.
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb)


def rehearse():
    # One execution of `print(1+1)` through the same function, before the snapshot, minus its
    # system calls. Every fork then starts with what a first execution fills in already filled
    # in: CPython's type attribute cache (a 4096-entry table in the interpreter state), the
    # parser's and compiler's lazily built state, method caches. Each of those is a page an
    # execution would otherwise write. Afterwards the state the user's program can see is put
    # back: sys.modules["__main__"] (a new pristine module, installed by the caller) and an
    # empty stdout buffer; sys.argv is set by every execution before the program runs.
    seed = bytes(RANDOM_WORDS) + bytes(NUMPY_WORDS)  # the generators' own state, unchanged
    fields = [seed, b"<string>", b"print(1+1)"]
    request = b"FBX1" + struct.pack("<I", len(fields)) + b"".join(
        struct.pack("<I", len(f)) + f for f in fields)
    BUFFER[:len(request)] = request
    user_main_module()
    execute(len(request), rehearsal=True)  # leaves sys.argv == ["<string>"]: see execute()
    BUFFER[:len(request)] = bytes(len(request))


lock_free_stdio()
# Twice: the second pass finds the caches the first one filled and settles what the first one
# moved (measured with kvm_dirty_trace: a few pages fewer per execution than one pass).
rehearse()
rehearse()
user_main_module()
# Everything alive now is the snapshot's: move it out of the collector's reach, so a collection
# in a fork does not write (and so copy) every page holding a tracked object.
gc.freeze()
# The read of the code channel is the ready point. The module's frame makes the calls, so no
# agent frame but the module's is alive (holding references, i.e. reference counts written in
# old objects) when the process ends.
os._exit(execute(os.readv(CODE_FD, [BUFFER])))
