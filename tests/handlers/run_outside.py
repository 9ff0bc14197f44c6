#!/usr/bin/env python3
"""Runs an example handler outside forkbox and checks that it refuses to serve.

Outside forkbox (plain Linux for the x86-64 build, qemu-riscv64 for the riscv64 one) every host
call fails with -ENOSYS. A handler must then print one line saying it is not running under
forkbox, print nothing on stdout, and exit with status 2 (guest/examples/*.c); a handler that
pretends to serve, or crashes, fails this test.
"""

import argparse
import subprocess
import sys

EXPECTED_STATUS = 2
RUN_TIMEOUT_SECONDS = 60


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runner", default="", help="emulator to run the program with")
    parser.add_argument("program")
    args = parser.parse_args()
    argv = ([args.runner] if args.runner else []) + [args.program]
    try:
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                              timeout=RUN_TIMEOUT_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"FAIL: cannot run {' '.join(argv)}: {error}", file=sys.stderr)
        return 1
    stderr = done.stderr.decode("utf-8", "replace")
    problems = []
    if done.returncode != EXPECTED_STATUS:
        problems.append(f"exit status {done.returncode}, expected {EXPECTED_STATUS}")
    if done.stdout:
        problems.append(f"unexpected stdout: {done.stdout[:200]!r}")
    if "not running under forkbox" not in stderr or "Function not implemented" not in stderr:
        problems.append(f"stderr lacks the not-under-forkbox message: {stderr[:300]!r}")
    if problems:
        print(f"FAIL: {args.program}: " + "; ".join(problems), file=sys.stderr)
        return 1
    print(f"{args.program}: refused to serve outside forkbox: {stderr.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
