#!/usr/bin/env python3
"""HTTP benchmark: nginx vs forkbox `GET /` vs forkbox `/app/hello/` (fork per request).

One invocation alternates the three targets ROUNDS times (default 5). Each server is pinned to
CPU 0 (forkbox with one event-loop thread, nginx with one worker), wrk (-t1 -c8 -d8s --latency)
to CPU 1. For every run it records req/s, p50, p99, errors and the server's CPU time per request:
the utime+stime delta of the server process(es) from /proc/<pid>/stat divided by the requests
wrk completed, which is far steadier on these machines than req/s. Prints every run, then the
medians, the ratios the issue's targets are stated in, and PASS/FAIL for each target.

Usage: run.py FORKBOX_BINARY [--rounds N] [--duration S] [--config forkbox.toml] [--json OUT]
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total


def wait_port(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def to_us(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value * {"us": 1, "ms": 1e3, "s": 1e6}[unit]


def parse_wrk(out):
    r = {}
    m = re.search(r"(\d+) requests in", out)
    r["requests"] = int(m.group(1)) if m else 0
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    r["rps"] = float(m.group(1)) if m else 0.0
    for pct, key in (("50", "p50_us"), ("99", "p99_us")):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        r[key] = to_us(m.group(1)) if m else float("nan")
    errors = 0
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        errors += int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        errors += sum(int(x) for x in m.groups())
    r["errors"] = errors
    return r


def run_wrk(url, pids, duration):
    before = cpu_ticks(pids)
    out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", "-c8", f"-d{duration}s", "--latency",
                          url], capture_output=True, text=True, check=True).stdout
    after = cpu_ticks(pids)
    r = parse_wrk(out)
    r["cpu_us_per_req"] = ((after - before) * 1e6 / CLK_TCK / r["requests"]
                           if r["requests"] else float("nan"))
    return r


class Nginx:
    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "nginx")
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        with open(os.path.join(HERE, "nginx.conf.in")) as f:
            conf = f.read().replace("@DIR@", self.dir).replace("@PORT@", str(self.port))
        path = os.path.join(self.dir, "nginx.conf")
        with open(path, "w") as f:
            f.write(conf)
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen(["taskset", "-c", "0", nginx, "-c", path, "-p", self.dir],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)
        time.sleep(0.2)
        children = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)],
                                  capture_output=True, text=True).stdout.split()
        self.pids = [self.proc.pid] + [int(p) for p in children]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


class Forkbox:
    def __init__(self, binary, config):
        self.port = free_port()
        cmd = ["taskset", "-c", "0", binary, "serve", "--listen", f"127.0.0.1:{self.port}",
               "--threads", "1"]
        if config:
            cmd += ["--config", config]
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log)
        wait_port(self.port)
        self.pids = [self.proc.pid]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("forkbox")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--config", default="")
    ap.add_argument("--json", default="")
    args = ap.parse_args()
    if os.cpu_count() < 2:
        sys.exit("needs two CPUs (server on CPU 0, wrk on CPU 1)")

    workdir = tempfile.mkdtemp(prefix="forkbox-http-bench-")
    nginx = Nginx(workdir)
    forkbox = Forkbox(args.forkbox, args.config)
    try:
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{forkbox.port}/app/hello/") as r:
            if r.status != 200:
                raise RuntimeError("/app/hello/ does not answer 200")
    except Exception as e:  # noqa: BLE001 - any failure means the target is unusable
        nginx.stop()
        forkbox.stop()
        sys.exit(f"forkbox /app/hello/ is not available ({e}); build the hello handler "
                 "or pass --config with a [[handlers]] entry named hello")

    targets = [("nginx", nginx, "/"), ("forkbox GET /", forkbox, "/"),
               ("forkbox /app/hello/", forkbox, "/app/hello/")]
    results = {name: [] for name, _, _ in targets}
    print(f"# wrk -t1 -c8 -d{args.duration}s --latency on CPU 1; servers on CPU 0; "
          f"{args.rounds} alternating rounds")
    print(f"{'target':22} {'round':>5} {'req/s':>10} {'p50 us':>8} {'p99 us':>8} "
          f"{'cpu us/req':>10} {'errors':>6}")
    try:
        for rnd in range(1, args.rounds + 1):
            for name, server, path in targets:
                r = run_wrk(f"http://127.0.0.1:{server.port}{path}", server.pids, args.duration)
                results[name].append(r)
                print(f"{name:22} {rnd:5} {r['rps']:10.0f} {r['p50_us']:8.1f} {r['p99_us']:8.1f} "
                      f"{r['cpu_us_per_req']:10.2f} {r['errors']:6}", flush=True)
    finally:
        nginx.stop()
        forkbox.stop()

    med = {name: {k: statistics.median(r[k] for r in runs)
                  for k in ("rps", "p50_us", "p99_us", "cpu_us_per_req")}
           for name, runs in results.items()}
    errors = sum(r["errors"] for runs in results.values() for r in runs)
    print("\n# medians")
    for name, m in med.items():
        print(f"{name:22} {m['rps']:10.0f} req/s  p50 {m['p50_us']:7.1f} us  "
              f"p99 {m['p99_us']:7.1f} us  {m['cpu_us_per_req']:6.2f} us CPU/request")
    root, hello, ngx = med["forkbox GET /"], med["forkbox /app/hello/"], med["nginx"]
    extra = hello["cpu_us_per_req"] - root["cpu_us_per_req"]
    rps_ratio = hello["rps"] / root["rps"]
    print("\n# ratios")
    print(f"forkbox GET / CPU per request / nginx: {root['cpu_us_per_req'] / ngx['cpu_us_per_req']:.2f}")
    print(f"sandboxed route extra CPU per request: {extra:+.2f} us")
    print(f"sandboxed route req/s / GET / req/s:   {rps_ratio:.2f}")
    print("\n# targets (issue #4)")
    checks = [("GET / <= 9.4 us CPU per request", root["cpu_us_per_req"] <= 9.4),
              ("/app/hello/ <= GET / + 1.0 us CPU per request", extra <= 1.0),
              ("/app/hello/ req/s >= 0.9x GET /", rps_ratio >= 0.9),
              ("no errors", errors == 0)]
    for what, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {what}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"runs": results, "medians": med}, f, indent=1)
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
