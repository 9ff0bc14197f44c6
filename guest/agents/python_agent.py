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
# length + bytes: [32 bytes of host CSPRNG seed, file name, code, argv[1], argv[2], ...].
import atexit
import builtins
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


def read_request():
    # Everything alive now is the snapshot's: move it out of the collector's reach, so a
    # collection in a fork does not write (and so copy) every page holding a tracked object.
    gc.freeze()
    n = os.readv(CODE_FD, [BUFFER])  # the ready point
    view = memoryview(BUFFER)[:n]
    if bytes(view[:4]) != b"FBX1":
        raise SystemExit("forkbox agent: bad request header")
    (count,) = struct.unpack_from("<I", view, 4)
    at = 8
    fields = []
    for _ in range(count):
        (size,) = struct.unpack_from("<I", view, at)
        at += 4
        fields.append(bytes(view[at:at + size]))
        at += size
    return fields


def reseed(seed):
    # Each fork must draw different random numbers: the snapshot holds one generator state.
    # numpy's global generator gets a full MT19937 key through its bit generator's state (not
    # numpy.random.seed, whose lock costs a clock read, i.e. a VM exit).
    random.seed(int.from_bytes(seed, "little"))
    key = numpy.frombuffer(random.getrandbits(32 * 624).to_bytes(4 * 624, "little"),
                           dtype=numpy.uint32)
    numpy.random.mtrand._rand._bit_generator.state = {
        "bit_generator": "MT19937", "state": {"key": key, "pos": 624}}
    random.seed(int.from_bytes(seed[:16], "little"))


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


def run(file_name, code, args):
    sys.argv = [file_name] + args
    main = types.ModuleType("__main__")
    main.__builtins__ = builtins
    if file_name != "<string>":
        main.__file__ = file_name
        # Tracebacks show source lines from linecache; the file exists only in the request.
        linecache.cache[file_name] = (len(code), None, code.splitlines(True), file_name)
    sys.modules["__main__"] = main
    try:
        compiled = compile(code, file_name, "exec", dont_inherit=True)
        exec(compiled, main.__dict__)
        return 0
    except SystemExit as exc:
        return exit_code_of(exc)
    except BaseException as exc:
        tb = exc.__traceback__
        # Drop the agent's own frames: the traceback starts in the user's code, as python3's.
        while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb)
        return 1


def finish(status):
    try:
        atexit._run_exitfuncs()
    except BaseException:
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            status = status or 120  # what python3 exits with when flushing stdout fails
    os._exit(status)


def main():
    fields = read_request()
    reseed(fields[0])
    file_name = fields[1].decode("utf-8", "surrogateescape")
    code = fields[2].decode("utf-8", "surrogateescape")
    args = [f.decode("utf-8", "surrogateescape") for f in fields[3:]]
    del fields
    finish(run(file_name, code, args))


lock_free_stdio()
main()
