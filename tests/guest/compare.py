#!/usr/bin/env python3
"""Runs one guest program under a reference (qemu-riscv64, or nothing for native x86-64 programs)
and under `forkbox run`, and fails unless stdout, stderr and the exit status match byte for byte.

Why it is shaped this way: the guest suite's truth is "what a real Linux user-mode runtime does",
so each test is a differential run rather than a hand-written expectation. Both runs get the same
argv (absolute program path first), the same small fixed environment (never the caller's, so a
test cannot pass on one machine and fail on another), the same stdin and the same working
directory. Per-program side files next to the source, all optional:
  <name>.args    extra argv words (shell-like quoting), @SRC_DIR@ expands to the source folder
  <name>.flags   extra `forkbox run` flags, same expansion (e.g. --allow-read @SRC_DIR@/data)
  <name>.stdin   bytes fed to stdin (otherwise stdin is /dev/null)
  <name>.env     extra KEY=VALUE lines added to the fixed environment
  <name>.status  the exit status the reference must produce (default 0; a negative number means
                 death by that signal). It catches a guest program that is itself broken, which a
                 pure differential test would never notice.
Exit status of this script: 0 on match, 1 on mismatch or a failed reference run.
"""

import argparse
import difflib
import os
import shlex
import subprocess
import sys
import tempfile

# The environment both runs see. Small and fixed so outputs cannot depend on the host.
FIXED_ENV = {
    "PATH": "/usr/bin:/bin",
    "HOME": "/tmp",
    "LANG": "C",
    "FORKBOX_GUEST_TEST": "1",
}

# Lines qemu-user itself may print on stderr when the guest dies by a signal; they are qemu's,
# not the guest's, so they are dropped from the reference's stderr before comparing.
QEMU_NOISE_PREFIXES = (b"qemu: uncaught target signal",)

# How many diff lines to show per stream: enough to see the problem, not a megabyte of log.
MAX_DIFF_LINES = 200


def read_side_file(source, suffix):
    path = os.path.splitext(source)[0] + suffix
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return f.read()


def expand_words(text, src_dir):
    words = []
    for line in text.decode().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words.extend(w.replace("@SRC_DIR@", src_dir) for w in shlex.split(line))
    return words


def run(cmd, env, stdin_bytes, cwd, timeout):
    try:
        proc = subprocess.run(cmd, env=env, input=stdin_bytes if stdin_bytes is not None else b"",
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                              timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return None, e.stdout or b"", e.stderr or b""
    return proc.returncode, proc.stdout, proc.stderr


def strip_qemu_noise(stderr):
    lines = stderr.splitlines(keepends=True)
    return b"".join(l for l in lines if not l.startswith(QEMU_NOISE_PREFIXES))


def show_diff(label, expected, actual):
    exp = expected.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    act = actual.decode("utf-8", "backslashreplace").splitlines(keepends=True)
    diff = list(difflib.unified_diff(exp, act, f"{label} (reference)", f"{label} (forkbox)"))
    for line in diff[:MAX_DIFF_LINES]:
        sys.stdout.write(line if line.endswith("\n") else line + "\n\\ no newline at end\n")
    if len(diff) > MAX_DIFF_LINES:
        print(f"... {len(diff) - MAX_DIFF_LINES} more diff lines")
    if not diff:
        # Same lines but different bytes (e.g. only a trailing newline differs).
        print(f"{label}: bytes differ: reference {len(expected)} bytes, forkbox {len(actual)} bytes")


def describe_status(code):
    if code is None:
        return "timeout"
    if code < 0:
        return f"signal {-code}"
    return f"exit {code}"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--forkbox", required=True, help="path of the forkbox binary")
    p.add_argument("--reference", default="qemu-riscv64",
                   help="reference runner command prefix; empty string runs the program directly")
    p.add_argument("--engine", help="passed to forkbox run as --engine")
    p.add_argument("--program", required=True, help="guest binary")
    p.add_argument("--source", required=True, help="guest source file (locates the side files)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per run")
    p.add_argument("--forkbox-flag", action="append", default=[],
                   help="extra flag for forkbox run (repeatable)")
    args = p.parse_args()

    program = os.path.abspath(args.program)
    source = os.path.abspath(args.source)
    src_dir = os.path.dirname(source)
    name = os.path.splitext(os.path.basename(source))[0]

    guest_args = expand_words(read_side_file(source, ".args") or b"", src_dir)
    extra_flags = expand_words(read_side_file(source, ".flags") or b"", src_dir)
    stdin_bytes = read_side_file(source, ".stdin")
    env = dict(FIXED_ENV)
    for line in (read_side_file(source, ".env") or b"").decode().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            env[key.strip()] = value.strip()
    status_text = read_side_file(source, ".status")
    expected_status = int(status_text.decode().strip()) if status_text else 0

    reference_cmd = shlex.split(args.reference) + [program] + guest_args
    forkbox_cmd = [os.path.abspath(args.forkbox), "run"]
    if args.engine:
        forkbox_cmd += ["--engine", args.engine]
    forkbox_cmd += ["--clear-env"]
    for key, value in env.items():
        forkbox_cmd += ["--env", f"{key}={value}"]
    forkbox_cmd += args.forkbox_flag + extra_flags + [program] + guest_args

    with tempfile.TemporaryDirectory(prefix=f"guest-{name}-") as cwd:
        ref_code, ref_out, ref_err = run(reference_cmd, env, stdin_bytes, cwd, args.timeout)
        ref_err = strip_qemu_noise(ref_err)
        if ref_code != expected_status:
            print(f"{name}: reference run gave {describe_status(ref_code)}, the program expects "
                  f"{describe_status(expected_status)}: the guest program or reference is broken")
            print(f"reference command: {shlex.join(reference_cmd)}")
            sys.stdout.write(ref_err.decode("utf-8", "backslashreplace")[-2000:])
            return 1
        if not os.path.exists(forkbox_cmd[0]):
            print(f"{name}: forkbox binary {forkbox_cmd[0]} does not exist (build it first)")
            return 1
        fb_code, fb_out, fb_err = run(forkbox_cmd, env, stdin_bytes, cwd, args.timeout)

    ok = True
    if fb_code != ref_code:
        ok = False
        print(f"{name}: status differs: reference {describe_status(ref_code)}, "
              f"forkbox {describe_status(fb_code)}")
    if fb_out != ref_out:
        ok = False
        print(f"{name}: stdout differs")
        show_diff("stdout", ref_out, fb_out)
    if fb_err != ref_err:
        ok = False
        print(f"{name}: stderr differs")
        show_diff("stderr", ref_err, fb_err)
    if not ok:
        print(f"forkbox command: {shlex.join(forkbox_cmd)}")
        return 1
    print(f"{name}: match ({describe_status(ref_code)}, stdout {len(ref_out)} bytes, "
          f"stderr {len(ref_err)} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
