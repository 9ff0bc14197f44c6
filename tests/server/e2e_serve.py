#!/usr/bin/env python3
"""End-to-end test of the real `forkbox serve` binary over loopback with python's http.client.

Usage: e2e_serve.py FORKBOX_BINARY {basic|hello|lua}

  basic  GET /, /healthz, /metrics, /v1/runtimes, 404s, malformed HTTP, SIGTERM shutdown
  hello  /app/hello/ (the built-in example handler, fork per request)
  lua    POST /v1/exec and Piston /api/v2/execute with the lua runtime

Exits 77 (CTest: skipped) with a message when the sandbox a mode needs cannot be built here.
"""
import http.client
import json
import re
import signal
import socket
import subprocess
import sys
import time

SKIP = 77


def start(binary, extra=()):
    proc = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--threads", "1",
                             *extra], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    lines = []
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"listening on port (\d+)", line)
        if m:
            return proc, int(m.group(1)), lines
    proc.kill()
    sys.exit("server did not start:\n" + "".join(lines))


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), data


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=30)
    check(rc == 0, f"serve exited with {rc} after SIGTERM")


def basic(port):
    status, headers, body = request(port, "GET", "/")
    check(status == 200 and body == b"Hello from forkbox\n", f"GET / -> {status} {body!r}")
    status, _, body = request(port, "GET", "/healthz")
    check(status == 200 and json.loads(body)["status"] == "ok", f"/healthz -> {status}")
    status, headers, body = request(port, "GET", "/metrics")
    check(status == 200 and b"forkbox_http_requests_total" in body, "/metrics")
    check(headers.get("Content-Type", "").startswith("text/plain; version=0.0.4"), "metrics type")
    status, _, body = request(port, "GET", "/v1/runtimes")
    check(status == 200 and "runtimes" in json.loads(body), "/v1/runtimes")
    status, _, body = request(port, "GET", "/no/such/route")
    check(status == 404 and json.loads(body)["error"] == "not found", "404")
    status, _, body = request(port, "GET", "/app/no-such-handler/")
    check(status == 404 and "error" in json.loads(body), "unknown handler 404")
    status, _, body = request(port, "POST", "/v1/exec", body=b'{"runtime":"nope","code":""}')
    check(status == 404, f"unknown runtime -> {status}")
    status, _, body = request(port, "POST", "/v1/exec", body=b"{oops")
    check(status == 400, f"bad JSON -> {status}")
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        reply = s.recv(4096)
        check(reply.startswith(b"HTTP/1.1 400"), f"malformed HTTP -> {reply[:40]!r}")


def hello(port, health):
    if "hello" not in health["handlers"]:
        print("SKIP: the hello handler is not available (make_handler failed; see server log)")
        return SKIP
    for _ in range(100):
        status, headers, body = request(port, "GET", "/app/hello/")
        check(status == 200 and len(body) > 0, f"/app/hello/ -> {status} {body[:80]!r}")
    return 0


def lua(port, health):
    if "lua" not in health["runtimes"]:
        print("SKIP: the lua runtime is not available (make_runtime failed; see server log)")
        return SKIP
    status, _, body = request(port, "POST", "/v1/exec",
                              body=json.dumps({"runtime": "lua", "code": "print(6*7)"}))
    out = json.loads(body)
    check(status == 200 and out["stdout"] == "42\n" and out["status"] == "ok", f"exec {out}")
    status, _, body = request(port, "POST", "/v1/exec",
                              body=json.dumps({"runtime": "lua", "code": "error('boom')"}))
    out = json.loads(body)
    check(status == 200 and out["exit_code"] != 0 and "boom" in out["stderr"], f"error {out}")
    status, _, body = request(port, "POST", "/v1/exec", body=json.dumps(
        {"runtime": "lua", "code": "while true do end", "timeout_ms": 200}))
    out = json.loads(body)
    check(out["status"] == "timeout", f"timeout {out}")
    status, _, body = request(port, "POST", "/api/v2/execute", body=json.dumps(
        {"language": "lua", "version": "*", "files": [{"content": "io.write(io.read('a'))"}],
         "stdin": "piped"}))
    out = json.loads(body)
    check(status == 200 and out["run"]["stdout"] == "piped" and out["run"]["code"] == 0,
          f"piston {out}")
    return 0


def main():
    binary, mode = sys.argv[1], sys.argv[2]
    proc, port, _ = start(binary)
    try:
        status, _, body = request(port, "GET", "/healthz")
        health = json.loads(body)
        rc = 0
        if mode == "basic":
            basic(port)
        elif mode == "hello":
            rc = hello(port, health)
        elif mode == "lua":
            rc = lua(port, health)
        else:
            sys.exit(f"unknown mode {mode}")
        stop(proc)
        print(f"server.e2e.{mode}: ok" if rc == 0 else f"server.e2e.{mode}: skipped")
        return rc
    finally:
        if proc.poll() is None:
            proc.kill()


if __name__ == "__main__":
    sys.exit(main())
