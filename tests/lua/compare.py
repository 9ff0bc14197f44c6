#!/usr/bin/env python3
"""Runs one Lua script under qemu-riscv64 and under forkbox, and compares them.

Three ways to run the script under test (--mode):
  run    `forkbox run ... LUA SCRIPT ARGS`: the riscv64 Lua binary (third_party/lua-riscv/lua,
         built from Debian's lua5.4 source package by scripts/build-lua-riscv) on forkbox's
         engine, against `qemu-riscv64 LUA SCRIPT ARGS`;
  exec   `forkbox exec --runtime lua SCRIPT ARGS`: the warmed Lua runtime (the exec agent,
         guest/lua/agent.c, in a fork of its template), against `qemu-riscv64 -0 lua LUA
         SCRIPT ARGS`, the standalone interpreter named "lua" as the agent names itself;
  agent  the exec agent itself under qemu-riscv64, fed the exec frame for SCRIPT ARGS followed
         by the stdin (what `forkbox exec` sends it), against the same reference as exec.
Both runs get the same argv strings (Lua puts argv[0] and the script path into its error
messages), the same environment and the same stdin (<name>.stdin if present); the arguments
are the lines of <name>.args if present. The test passes only if stdout, stderr and the exit
status are identical byte for byte.

So that two equally broken runs cannot pass, the qemu reference run must itself match what the
script declares: a script whose first lines hold `-- exit: N` must exit with N (default 0),
and a script that exits 0 must print something.
"""

import argparse
import difflib
import os
import re
import subprocess
import sys

# The environment both guests see. TZ is a POSIX rule rather than a zone name so that local
# time needs no zoneinfo file (which the sandbox may not expose); LC_ALL=C pins number formats.
GUEST_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/nonexistent",
    "LC_ALL": "C",
    "TZ": "UTC0",
    "FORKBOX_LUA_TEST": "1",
}

# Wall-clock limit per run. The slowest script takes a few seconds under qemu; the limit only
# keeps a hung emulator from stalling the whole suite.
RUN_TIMEOUT_SECONDS = 240

# How much of a differing stream to show: enough to see the first divergence.
MAX_DIFF_LINES = 60


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def expected_exit_status(script):
    with open(script, encoding="utf-8") as f:
        for _, line in zip(range(5), f):
            match = re.match(r"--\s*exit:\s*(\d+)\s*$", line)
            if match:
                return int(match.group(1))
    return 0


def script_args(script):
    """The script's arguments: one per line of <name>.args (none without the file)."""
    path = os.path.splitext(script)[0] + ".args"
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def exec_frame(name, code, args):
    """The exec frame `forkbox exec` sends the Lua agent (docs/guest-abi.md)."""
    name_bytes = name.encode()
    arg_bytes = [a.encode() for a in args]
    header = f"FORKBOX-EXEC 1 {len(name_bytes)} {len(code)} {len(arg_bytes)}"
    header += "".join(f" {len(a)}" for a in arg_bytes)
    return header.encode() + b"\n" + name_bytes + code + b"".join(arg_bytes)


def run(argv, stdin_path, prefix=b""):
    """Runs argv with stdin = prefix + the stdin file's bytes."""
    stdin_data = prefix
    if stdin_path:
        with open(stdin_path, "rb") as f:
            stdin_data += f.read()
    try:
        done = subprocess.run(argv, input=stdin_data, capture_output=True, env=GUEST_ENV,
                              timeout=RUN_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        fail(f"timed out after {RUN_TIMEOUT_SECONDS}s: {' '.join(argv)}")
    except OSError as error:
        fail(f"cannot run {argv[0]}: {error}")
    return done


def show_diff(name, reference, actual):
    ref_lines = reference.decode("utf-8", "replace").splitlines(keepends=True)
    act_lines = actual.decode("utf-8", "replace").splitlines(keepends=True)
    diff = list(difflib.unified_diff(ref_lines, act_lines, f"{name} (qemu-riscv64)",
                                     f"{name} (forkbox)"))
    if not diff:  # same text after decoding: the bytes differ (e.g. invalid UTF-8 or \r)
        diff = [f"bytes differ: qemu {reference[:200]!r}\n", f"   forkbox {actual[:200]!r}\n"]
    # A last line without "\n" would run into the next message.
    sys.stderr.writelines(line if line.endswith("\n") else line + "\n"
                          for line in diff[:MAX_DIFF_LINES])
    if len(diff) > MAX_DIFF_LINES:
        print(f"... ({len(diff) - MAX_DIFF_LINES} more diff lines)", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qemu", required=True, help="qemu-riscv64 executable")
    parser.add_argument("--forkbox", help="forkbox CLI executable (modes run and exec)")
    parser.add_argument("--lua", required=True, help="riscv64 Lua interpreter")
    parser.add_argument("--agent", help="riscv64 Lua exec agent (mode agent)")
    parser.add_argument("--script", required=True, help="Lua script (absolute path)")
    parser.add_argument("--engine", default=None, help="forkbox --engine value")
    parser.add_argument("--mode", choices=("run", "exec", "agent"), default="run")
    args = parser.parse_args()

    lua = os.path.abspath(args.lua)
    script = os.path.abspath(args.script)
    if not os.access(lua, os.X_OK):
        fail(f"Lua binary {lua} does not exist; build it with scripts/build-lua-riscv "
             "(scripts/setup runs it)")
    if args.mode == "agent":
        if not args.agent or not os.access(args.agent, os.X_OK):
            fail(f"Lua agent {args.agent} does not exist; build it with scripts/build-lua-riscv")
    elif not args.forkbox or not os.access(args.forkbox, os.X_OK):
        fail(f"forkbox CLI {args.forkbox} does not exist; build the 'forkbox' target")
    stdin_path = os.path.splitext(script)[0] + ".stdin"
    if not os.path.exists(stdin_path):
        stdin_path = None
    extra = script_args(script)

    if args.mode == "run":
        reference = run([args.qemu, lua, script] + extra, stdin_path)
        forkbox_argv = [args.forkbox, "run"]
        if args.engine:
            forkbox_argv += ["--engine", args.engine]
        forkbox_argv += ["--clear-env"]
        for key, value in GUEST_ENV.items():
            forkbox_argv += ["--env", f"{key}={value}"]
        # "--" ends forkbox's options, so nothing after it can be taken for an option value.
        forkbox_argv += ["--allow-read", os.path.dirname(script), "--", lua, script] + extra
        actual = run(forkbox_argv, stdin_path)
    else:
        # The standalone interpreter as the agent presents itself: argv[0] is "lua".
        reference = run([args.qemu, "-0", "lua", lua, script] + extra, stdin_path)
        if args.mode == "exec":
            # exec's default deadline (10 s) is for requests; the stress scripts need longer
            # on a loaded 2-core machine, and RUN_TIMEOUT_SECONDS still bounds a hang.
            forkbox_argv = [args.forkbox, "exec", "--runtime", "lua",
                            "--timeout-ms", str(RUN_TIMEOUT_SECONDS * 1000)]
            if args.engine:
                forkbox_argv += ["--engine", args.engine]
            actual = run(forkbox_argv + ["--", script] + extra, stdin_path)
        else:
            with open(script, "rb") as f:
                frame = exec_frame(script, f.read(), extra)
            actual = run([args.qemu, os.path.abspath(args.agent)], stdin_path, frame)

    name = os.path.basename(script)
    want_status = expected_exit_status(script)
    if reference.returncode != want_status:
        sys.stderr.write(reference.stderr.decode("utf-8", "replace")[-2000:])
        fail(f"{name}: the qemu reference exited {reference.returncode}, the script "
             f"declares {want_status}; the reference itself is broken")
    if want_status == 0 and not reference.stdout:
        fail(f"{name}: the qemu reference printed nothing")

    ok = True
    for stream in ("stdout", "stderr"):
        ref, act = getattr(reference, stream), getattr(actual, stream)
        if ref != act:
            ok = False
            print(f"{name}: {stream} differs ({len(ref)} bytes from qemu, {len(act)} from "
                  "forkbox)", file=sys.stderr)
            show_diff(f"{name} {stream}", ref, act)
    if reference.returncode != actual.returncode:
        ok = False
        print(f"{name}: exit status differs: qemu {reference.returncode}, forkbox "
              f"{actual.returncode}", file=sys.stderr)
    if not ok:
        fail(f"{name}: forkbox output is not identical to qemu-riscv64")
    print(f"{name}: identical ({len(reference.stdout)} stdout bytes, "
          f"{len(reference.stderr)} stderr bytes, exit {reference.returncode})")


if __name__ == "__main__":
    main()
