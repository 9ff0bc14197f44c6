#!/usr/bin/env python3
"""Soak of `forkbox serve`: N sandboxed requests (default 1,000,000) to /app/hello/.

Runs wrk in 10-second slices against one server until the server's own counter
(forkbox_http_requests_total{route="app"}) reaches N. After the warm-up slice it records the
server's RSS and open file descriptors; at the end it checks: zero errors (wrk non-2xx and
socket errors, and no 4xx/5xx in the server's counters), RSS growth under 10% over the warm-up
figure, and the same number of open descriptors once the clients have gone.

Usage: soak.py FORKBOX_BINARY [--requests N] [--config forkbox.toml] [--threads T]
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import free_port, parse_wrk, wait_port  # noqa: E402


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1))


def fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def app_counts(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read().decode()
    counts = {}
    for m in re.finditer(r'forkbox_http_requests_total\{route="app",code="(\dxx)"\} (\d+)', text):
        counts[m.group(1)] = int(m.group(2))
    return counts


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("forkbox")
    ap.add_argument("--requests", type=int, default=1_000_000)
    ap.add_argument("--config", default="")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    port = free_port()
    cmd = [args.forkbox, "serve", "--listen", f"127.0.0.1:{port}"]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    if args.config:
        cmd += ["--config", args.config]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        url = f"http://127.0.0.1:{port}/app/hello/"
        wrk_errors = 0
        warm_rss = warm_fds = None
        start = time.time()
        while True:
            out = subprocess.run(["wrk", "-t1", "-c8", "-d10s", url], capture_output=True,
                                 text=True, check=True).stdout
            wrk_errors += parse_wrk(out)["errors"]
            counts = app_counts(port)
            done = sum(counts.values())
            if warm_rss is None:
                time.sleep(0.5)  # let wrk's connections close
                warm_rss, warm_fds = rss_kib(proc.pid), fds(proc.pid)
                print(f"warm-up: {done} requests, RSS {warm_rss} KiB, {warm_fds} fds", flush=True)
            else:
                print(f"{done} requests, RSS {rss_kib(proc.pid)} KiB", flush=True)
            if done >= args.requests:
                break
        time.sleep(0.5)
        end_rss, end_fds = rss_kib(proc.pid), fds(proc.pid)
        counts = app_counts(port)
        bad = counts.get("4xx", 0) + counts.get("5xx", 0)
        growth = (end_rss - warm_rss) / warm_rss
        elapsed = time.time() - start
        print(f"\n{sum(counts.values())} sandboxed requests in {elapsed:.0f} s")
        print(f"errors: wrk {wrk_errors}, server 4xx/5xx {bad}")
        print(f"RSS: {warm_rss} KiB after warm-up -> {end_rss} KiB ({growth * 100:+.1f}%)")
        print(f"fds: {warm_fds} after warm-up -> {end_fds}")
        checks = [("zero errors", wrk_errors == 0 and bad == 0),
                  ("RSS growth < 10% after warm-up", growth < 0.10),
                  ("no fd leak", end_fds <= warm_fds)]
        for what, ok in checks:
            print(f"{'PASS' if ok else 'FAIL'}  {what}")
        return 0 if all(ok for _, ok in checks) else 1
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
