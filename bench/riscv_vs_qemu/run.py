#!/usr/bin/env python3
"""forkbox's RISC-V engine against qemu-riscv64 on the same compute kernels, side by side.

How to run (from the repository root, after ./scripts/build):

    python3 bench/riscv_vs_qemu/run.py                 # table on stdout
    python3 bench/riscv_vs_qemu/run.py --json          # one JSON document instead
    python3 bench/riscv_vs_qemu/run.py --repeat 5 --kernels int_hash,fp_nbody
    python3 bench/riscv_vs_qemu/run.py --forkbox build-bench/forkbox

What it measures, and how:
- Compute: each kernel (built once by the CMake target `bench_riscv_kernels` as a static rv64gc
  program) runs --repeat times under `forkbox run --stats` and under `qemu-riscv64`, alternating
  which goes first so drift on a noisy machine hits both. Wall time is measured here, around the
  whole process, for both; the medians are reported. The guest instruction count comes from
  forkbox's --stats JSON line (last line of stderr); MIPS for both is that count divided by the
  wall time, so the two MIPS columns are directly comparable. ratio = qemu time / forkbox time,
  i.e. forkbox's speed relative to qemu (above 1 means forkbox is faster). The geometric mean of
  the ratios is the headline figure (target: at least 0.5). Every run's stdout (the kernel's
  checksum line) must be identical across engines and repeats, otherwise the kernel is marked
  MISMATCH and left out of the mean.
- Start-up: a static hello world runs --hello-runs times each natively (x86-64, the floor set by
  the host's own fork/exec), under qemu-riscv64 and under plain `forkbox run` (no --stats),
  round-robin; median, minimum and 90th percentile wall times are reported (target: forkbox
  median under 5 ms).

The exit status is 0 when every run succeeded with matching output, 1 otherwise, 2 on usage error.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
KERNELS = ["int_hash", "fp_nbody", "fp_matmul", "mem_stream", "branchy_sort"]
HELLO_OUTPUT = b"hello, world\n"
RATIO_TARGET = 0.5
HELLO_TARGET_MS = 5.0

# forkbox's documented exit codes for its own failures (the CLI contract), for readable errors.
FORKBOX_EXIT_REASONS = {
    120: "load error",
    121: "guest fault",
    122: "instruction/time limit",
    123: "memory limit",
    124: "output limit",
    125: "usage error",
}


@dataclass
class Run:
    wall_s: float
    returncode: int
    stdout: bytes
    stderr: bytes


@dataclass
class KernelResult:
    name: str
    forkbox_s: list[float] = field(default_factory=list)
    qemu_s: list[float] = field(default_factory=list)
    instructions: int | None = None
    forkbox_stats: dict | None = None
    checksum: str | None = None
    error: str | None = None

    def forkbox_median(self) -> float | None:
        return statistics.median(self.forkbox_s) if self.forkbox_s else None

    def qemu_median(self) -> float | None:
        return statistics.median(self.qemu_s) if self.qemu_s else None

    def ratio(self) -> float | None:
        f, q = self.forkbox_median(), self.qemu_median()
        if self.error or not f or not q:
            return None
        return q / f

    def mips(self, seconds: float | None) -> float | None:
        if self.instructions is None or not seconds:
            return None
        return self.instructions / seconds / 1e6


def run_timed(cmd: list[str], timeout: float) -> Run:
    start = time.perf_counter_ns()
    try:
        proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as e:
        wall = (time.perf_counter_ns() - start) / 1e9
        return Run(wall, -999, e.stdout or b"", (e.stderr or b"") + b"\n(timed out)")
    wall = (time.perf_counter_ns() - start) / 1e9
    return Run(wall, proc.returncode, proc.stdout, proc.stderr)


def parse_stats(stderr: bytes) -> dict | None:
    """The --stats line is the last stderr line that is a JSON object with 'instructions'."""
    for line in reversed(stderr.decode(errors="replace").splitlines()):
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            stats = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(stats, dict) and "instructions" in stats:
            return stats
    return None


def describe_failure(engine: str, run: Run) -> str:
    reason = ""
    if engine == "forkbox" and run.returncode in FORKBOX_EXIT_REASONS:
        reason = f" ({FORKBOX_EXIT_REASONS[run.returncode]})"
    elif run.returncode < 0 and run.returncode != -999:
        reason = f" (signal {-run.returncode})"
    tail = run.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
    return f"{engine} exited {run.returncode}{reason}: {tail[0][:200]}"


def bench_kernel(name: str, args: argparse.Namespace) -> KernelResult:
    result = KernelResult(name)
    program = str(args.kernels_dir / name)
    scale = [str(args.scale)] if args.scale != 100 else []
    forkbox_cmd = [str(args.forkbox), "run", *args.forkbox_arg, "--stats", program, *scale]
    qemu_cmd = [args.qemu, program, *scale]
    outputs: set[bytes] = set()
    for rep in range(args.repeat):
        order = [("forkbox", forkbox_cmd), ("qemu", qemu_cmd)]
        if rep % 2 == 1:
            order.reverse()
        for engine, cmd in order:
            run = run_timed(cmd, args.timeout)
            if run.returncode != 0:
                result.error = describe_failure(engine, run)
                return result
            outputs.add(run.stdout)
            if engine == "forkbox":
                result.forkbox_s.append(run.wall_s)
                stats = parse_stats(run.stderr)
                if stats is not None:
                    result.forkbox_stats = stats
                    result.instructions = int(stats["instructions"])
            else:
                result.qemu_s.append(run.wall_s)
    if len(outputs) != 1:
        shown = " | ".join(o.decode(errors="replace").strip()[:80] for o in sorted(outputs))
        result.error = f"MISMATCH: outputs differ: {shown}"
        return result
    result.checksum = outputs.pop().decode(errors="replace").strip()
    return result


def bench_hello(args: argparse.Namespace) -> dict:
    commands = {
        "native": [str(args.kernels_dir / "hello_native")],
        "qemu": [args.qemu, str(args.kernels_dir / "hello")],
        "forkbox": [str(args.forkbox), "run", str(args.kernels_dir / "hello")],
    }
    samples: dict[str, list[float]] = {k: [] for k in commands}
    errors: dict[str, str] = {}
    for _ in range(args.hello_runs):
        for engine, cmd in commands.items():
            if engine in errors:
                continue
            run = run_timed(cmd, args.timeout)
            if run.returncode != 0 or run.stdout != HELLO_OUTPUT:
                errors[engine] = describe_failure(engine, run) if run.returncode else \
                    f"{engine} printed {run.stdout[:60]!r}"
                continue
            samples[engine].append(run.wall_s * 1e3)
    summary = {}
    for engine, ms in samples.items():
        if engine in errors or not ms:
            summary[engine] = {"error": errors.get(engine, "no runs")}
            continue
        ordered = sorted(ms)
        summary[engine] = {
            "runs": len(ms),
            "median_ms": statistics.median(ms),
            "min_ms": ordered[0],
            "p90_ms": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
        }
    return summary


def geomean(values: list[float]) -> float | None:
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def fmt(value: float | None, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def print_table(results: list[KernelResult], mean: float | None, hello: dict | None) -> None:
    counted = sum(1 for r in results if r.ratio() is not None)
    header = (f"{'kernel':<14}{'instructions':>15}{'forkbox s':>11}{'qemu s':>9}"
              f"{'forkbox MIPS':>14}{'qemu MIPS':>11}{'ratio':>8}  check")
    print(header)
    print("-" * len(header))
    for r in results:
        f, q = r.forkbox_median(), r.qemu_median()
        instr = f"{r.instructions:,}" if r.instructions is not None else "-"
        check = r.error if r.error else "ok"
        print(f"{r.name:<14}{instr:>15}{fmt(f, '.3f'):>11}{fmt(q, '.3f'):>9}"
              f"{fmt(r.mips(f), '.0f'):>14}{fmt(r.mips(q), '.0f'):>11}"
              f"{fmt(r.ratio(), '.2f'):>8}  {check}")
    print("-" * len(header))
    verdict = "" if mean is None else ("  (target >= 0.5: met)" if mean >= RATIO_TARGET
                                       else "  (target >= 0.5: NOT met)")
    partial = "" if counted == len(results) else f" over {counted} of {len(results)} kernels"
    print(f"geometric mean ratio (qemu time / forkbox time){partial}: {fmt(mean, '.3f')}{verdict}")
    for r in results:
        if r.checksum:
            print(f"  {r.checksum}")
    if hello is None:
        return
    print()
    print(f"{'hello world':<14}{'median ms':>11}{'min ms':>9}{'p90 ms':>9}{'runs':>6}")
    for engine in ("native", "qemu", "forkbox"):
        h = hello[engine]
        if "error" in h:
            print(f"{engine:<14}  {h['error']}")
            continue
        print(f"{engine:<14}{h['median_ms']:>11.2f}{h['min_ms']:>9.2f}{h['p90_ms']:>9.2f}"
              f"{h['runs']:>6}")
    fb = hello["forkbox"]
    if "median_ms" in fb:
        met = "met" if fb["median_ms"] < HELLO_TARGET_MS else "NOT met"
        print(f"forkbox hello median {fb['median_ms']:.2f} ms (target < 5 ms: {met}; the native "
              f"row is the host's own spawn cost, included in every row)")


def to_json(results: list[KernelResult], mean: float | None, hello: dict | None,
            args: argparse.Namespace) -> dict:
    return {
        "benchmark": "riscv_vs_qemu",
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([sys.executable, *sys.argv]),
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                    "cpu": cpu_model()},
        "repeat": args.repeat,
        "scale_percent": args.scale,
        "kernels": [{
            "name": r.name,
            "instructions": r.instructions,
            "forkbox_s": r.forkbox_median(),
            "qemu_s": r.qemu_median(),
            "forkbox_samples_s": r.forkbox_s,
            "qemu_samples_s": r.qemu_s,
            "forkbox_mips": r.mips(r.forkbox_median()),
            "qemu_mips": r.mips(r.qemu_median()),
            "ratio": r.ratio(),
            "checksum": r.checksum,
            "forkbox_stats": r.forkbox_stats,
            "error": r.error,
        } for r in results],
        "geomean_ratio": mean,
        "geomean_target": RATIO_TARGET,
        "hello": hello,
        "hello_target_ms": HELLO_TARGET_MS,
    }


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--forkbox", type=Path, default=REPO_ROOT / "build" / "forkbox",
                   help="forkbox binary (default: build/forkbox)")
    p.add_argument("--kernels-dir", type=Path, default=None,
                   help="directory with the built kernels (default: "
                        "<forkbox's build dir>/bench/riscv_vs_qemu/kernels)")
    p.add_argument("--qemu", default="qemu-riscv64", help="qemu user-mode binary")
    p.add_argument("--repeat", type=int, default=3, help="runs per kernel per engine")
    p.add_argument("--kernels", default=",".join(KERNELS),
                   help=f"comma-separated subset of {','.join(KERNELS)}")
    p.add_argument("--scale", type=int, default=100,
                   help="work per kernel in percent of the default (checksums depend on it)")
    p.add_argument("--hello-runs", type=int, default=50, help="runs per engine for hello world")
    p.add_argument("--no-hello", action="store_true", help="skip the hello-world measurement")
    p.add_argument("--no-kernels", action="store_true", help="only measure hello world")
    p.add_argument("--forkbox-arg", action="append", default=None, metavar="ARG",
                   help="extra argument for `forkbox run` on kernels, repeatable (default: "
                        "--max-instructions 1000000000000, so a default instruction "
                        "budget cannot cut a kernel short)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds before a run is killed")
    p.add_argument("--json", action="store_true", help="print one JSON document, not a table")
    args = p.parse_args()
    if args.forkbox_arg is None:
        args.forkbox_arg = ["--max-instructions", "1000000000000"]
    if args.kernels_dir is None:
        args.kernels_dir = args.forkbox.resolve().parent / "bench" / "riscv_vs_qemu" / "kernels"
    if args.repeat < 1 or args.hello_runs < 1:
        p.error("--repeat and --hello-runs must be at least 1")
    selected = [k for k in args.kernels.split(",") if k]
    unknown = [k for k in selected if k not in KERNELS]
    if unknown:
        p.error(f"unknown kernels: {', '.join(unknown)}")
    args.kernel_list = selected
    missing = []
    if not os.access(args.forkbox, os.X_OK):
        missing.append(f"forkbox binary {args.forkbox} (build it: ./scripts/build)")
    if shutil.which(args.qemu) is None:
        missing.append(f"{args.qemu} (apt-get install qemu-user)")
    needed = ([] if args.no_kernels else selected) + ([] if args.no_hello else
                                                       ["hello", "hello_native"])
    absent = [k for k in needed if not (args.kernels_dir / k).exists()]
    if absent:
        missing.append(f"{', '.join(absent)} in {args.kernels_dir} (build target "
                       "bench_riscv_kernels, or pass --kernels-dir)")
    if missing:
        p.error("missing: " + "; ".join(missing))
    return args


def main() -> int:
    args = parse_args()
    results: list[KernelResult] = []
    if not args.no_kernels:
        for name in args.kernel_list:
            if not args.json:
                print(f"running {name} ...", file=sys.stderr, flush=True)
            results.append(bench_kernel(name, args))
    ratios = [r.ratio() for r in results if r.ratio() is not None]
    mean = geomean(ratios)
    hello = None
    if not args.no_hello:
        if not args.json:
            print(f"running hello world x{args.hello_runs} ...", file=sys.stderr, flush=True)
        hello = bench_hello(args)
    if args.json:
        print(json.dumps(to_json(results, mean, hello, args), indent=2))
    else:
        print_table(results, mean, hello)
    failed = any(r.error for r in results) or (
        hello is not None and any("error" in h for h in hello.values()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
