#!/usr/bin/env python3
"""Checks of the Lua exec agent beyond script output: the exec frame and per-fork reseeding.

--mode agent (the agent under qemu-riscv64, fed frames directly):
  * every malformed frame (bad magic, version, numbers, limits, truncation) ends the agent with
    status 125 and one "lua-agent: malformed exec frame: ..." line, and runs no code;
  * a frame with code, name and arguments runs them, and the bytes after the frame are the
    program's stdin;
  * math.random without math.randomseed differs between two runs (the agent reseeds it from
    getrandom() after the frame; under qemu each run is a new process, so this only shows the
    reseed is harmless here: the exec mode below is the real test).
--mode exec (`forkbox exec --runtime lua`):
  * math.random without math.randomseed differs between runs (each CLI run warms its own
    template; forks of one template are compared in lua_runtime_fork_test);
  * `-c CODE ARGS` runs CODE with ARGS, stdin passes through and the exit status is the
    program's.
"""

import argparse
import subprocess
import sys

RUN_TIMEOUT_SECONDS = 60
EXIT_BAD_FRAME = 125
# How many forks must all draw different numbers: 2^64 possible values, so any repeat is a
# shared seed, not chance.
RANDOM_RUNS = 4

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print(f"FAIL: {message}", file=sys.stderr)


def run(argv, stdin=b""):
    try:
        return subprocess.run(argv, input=stdin, capture_output=True,
                              timeout=RUN_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"FAIL: cannot run {' '.join(argv)}: {error}", file=sys.stderr)
        sys.exit(1)


def frame(name, code, args=(), header=None):
    name_b, code_b = name.encode(), code.encode()
    args_b = [a.encode() for a in args]
    if header is None:
        header = f"FORKBOX-EXEC 1 {len(name_b)} {len(code_b)} {len(args_b)}"
        header += "".join(f" {len(a)}" for a in args_b)
    return header.encode() + b"\n" + name_b + code_b + b"".join(args_b)


def padded_header(length):
    """A valid header of exactly `length` bytes before its newline (the name length is padded
    with leading zeros), for the frame name "a" and code "print(8)"."""
    head, tail = b"FORKBOX-EXEC 1 ", b"1 8 0"
    return head + b"0" * (length - len(head) - len(tail)) + tail + b"\n"


MALFORMED = [
    (b"", "stdin is empty"),
    (padded_header(4096) + b"aprint(8)", "header line longer than 4096 bytes"),
    (b"FORKBOX-EXEC 1 1 1 0", "stdin ended inside the header line"),
    (b"X" * 5000, "header line longer than 4096 bytes"),
    (b"NOTFORKBOX 1 1 1 0\nab", "does not start with FORKBOX-EXEC"),
    (b"FORKBOX-EXEC 2 1 1 0\nab", "unsupported frame version"),
    (b"FORKBOX-EXEC 1 1 -1 0\nab", "malformed or missing number"),
    (b"FORKBOX-EXEC 1 1 1\nab", "malformed or missing number"),
    (b"FORKBOX-EXEC 1  1 1 0\nab", "malformed or missing number"),
    (b"FORKBOX-EXEC 1 1 1 0 7\nab", "more fields than argc"),
    (b"FORKBOX-EXEC 1 4097 1 0\n", "name longer than 4096 bytes"),
    (b"FORKBOX-EXEC 1 1 16777217 0\n", "code longer than 16 MiB"),
    (b"FORKBOX-EXEC 1 1 1 257\n", "more than 256 arguments"),
    (b"FORKBOX-EXEC 1 1 1 1 131073\n", "longer than 128 KiB"),
    (b"FORKBOX-EXEC 1 1 1 17" + b" 131072" * 17 + b"\n", "total more than 2 MiB"),
    (b"FORKBOX-EXEC 1 1 1 99999999999999999999999\n", "malformed or missing number"),
    (b"FORKBOX-EXEC 1 3 1 0\na\0bc", "name contains a NUL byte"),
    (b"FORKBOX-EXEC 1 1 10 0\nab", "stdin ended inside the frame"),
    (b"FORKBOX-EXEC 1 1 1 1 5\nabxy", "stdin ended inside the frame"),
]


def check_agent(qemu, agent):
    for data, expected in MALFORMED:
        done = run([qemu, agent], data)
        err = done.stderr.decode("utf-8", "replace")
        check(done.returncode == EXIT_BAD_FRAME and done.stdout == b"" and
              err.startswith("lua-agent: malformed exec frame: ") and expected in err and
              err.count("\n") == 1,
              f"frame {data[:60]!r}: status {done.returncode}, stderr {err!r}, expected "
              f"{EXIT_BAD_FRAME} and {expected!r}")

    done = run([qemu, agent], padded_header(4095) + b"aprint(8)")
    check(done.returncode == 0 and done.stdout == b"8\n",
          f"a header of 4095 bytes (the longest): status {done.returncode}, "
          f"stdout {done.stdout!r}, stderr {done.stderr[:200]!r}")

    code = 'print(arg[0], table.concat({...}, ","), io.read("l"), io.read("a"))\nos.exit(7)'
    done = run([qemu, agent], frame("prog.lua", code, ["x", ""]) + b"line one\nrest")
    check(done.returncode == 7, f"os.exit(7) gave status {done.returncode}")
    check(done.stdout == b"prog.lua\tx,\tline one\trest\n",
          f"frame program printed {done.stdout!r}")

    done = run([qemu, agent], frame("err.lua", "local x = nil + 1"))
    check(done.returncode == 1 and done.stderr.startswith(
        b"lua: err.lua:1: attempt to perform arithmetic on a nil value"),
        f"runtime error: status {done.returncode}, stderr {done.stderr[:200]!r}")

    draws = {run([qemu, agent], frame("r.lua", "print(math.random(0))")).stdout
             for _ in range(RANDOM_RUNS)}
    check(len(draws) == RANDOM_RUNS, f"math.random repeated across agent runs: {draws}")


def check_exec(forkbox):
    exec_lua = [forkbox, "exec", "--runtime", "lua"]
    draws = [run(exec_lua + ["-c", "print(math.random(0))"]) for _ in range(RANDOM_RUNS)]
    for done in draws:
        check(done.returncode == 0, f"exec random: status {done.returncode}, "
              f"stderr {done.stderr[:200]!r}")
    outputs = {d.stdout for d in draws}
    check(len(outputs) == RANDOM_RUNS,
          f"math.random is the same in different forks: {sorted(outputs)}")

    code = 'io.write(select("#", ...), table.concat({...}, ","), io.read("a")) os.exit(5)'
    done = run(exec_lua + ["-c", code, "a", "b c"], b"from stdin")
    check(done.returncode == 5, f"exec -c: status {done.returncode}, expected 5")
    check(done.stdout == b"2a,b cfrom stdin", f"exec -c printed {done.stdout!r}")

    done = run(exec_lua + ["-c", 'error("boom")'])
    check(done.returncode == 1 and b"boom" in done.stderr and
          done.stderr.startswith(b"lua: "),
          f"exec error: status {done.returncode}, stderr {done.stderr[:200]!r}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=("agent", "exec"), required=True)
    parser.add_argument("--qemu", default="qemu-riscv64")
    parser.add_argument("--agent", help="riscv64 Lua exec agent (mode agent)")
    parser.add_argument("--forkbox", help="forkbox CLI (mode exec)")
    args = parser.parse_args()
    if args.mode == "agent":
        check_agent(args.qemu, args.agent)
    else:
        check_exec(args.forkbox)
    if failures:
        print(f"{len(failures)} check(s) failed", file=sys.stderr)
        return 1
    print("all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
