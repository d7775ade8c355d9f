#!/usr/bin/python3
"""`vdc serve` (the real binary, on loopback) against hostile clients, class
by class (docs/robustness.md, "What a repository, a client and an etcd
member can't do"):

- a Range request cannot multiply a response;
- the request line, the header count and the header bytes are bounded (431);
- a request has one deadline, not one per read: a client that drips bytes
  is dropped, and 500 idle or dripping connections leave health answering
  within a second;
- a POST with no body and no Content-Length is answered at once;
- a path, query or body that is not UTF-8 is a 400 problem that names no
  internals;
- a Host the server does not answer to (DNS rebinding) and a mutating call
  from another site's page are refused;
- every call to a mutating route is audited, whatever its result (413,
  400, a timeout, a refused origin).

Usage: serve_hostile_test.py VDC SOURCE_DIR"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from checks import check, finish

vdc = os.path.abspath(sys.argv[1])
TIMEOUT = 3  # seconds: the server's requestTimeout here


SITE = """apiVersion: vdc/v1
kind: VirtualDataCenter
metadata: {name: site}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: front}
spec: {cidr: 10.1.0.0/24}
"""


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def exchange(port, raw, wait=10):
    """Sends raw bytes, reads until the server closes or `wait` passes; (status, headers, body, seconds)."""
    start = time.time()
    s = connect(port)
    s.settimeout(wait)
    s.sendall(raw)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            head, _, body = data.partition(b"\r\n\r\n")
            length = re.search(rb"(?i)content-length: *(\d+)", head)
            if length and len(body) >= int(length.group(1)):
                break
    except socket.timeout:
        pass
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.1 ") else 0
    return status, head.decode("latin-1"), body, time.time() - start


def request(port, method, path, headers=None, body=b"", length=True):
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if length and (body or method == "POST"):
        lines.append(f"Content-Length: {len(body)}")
    return exchange(port, ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)


def no_internals(body):
    text = body.decode("utf-8", "replace")
    return "/tmp/" not in text and "what()" not in text and "exception" not in text.lower()


def main():
    scratch = tempfile.mkdtemp(prefix="vdc-hostile-")
    server = None
    try:
        os.makedirs(os.path.join(scratch, "site"))
        with open(os.path.join(scratch, "site", "vdc.yaml"), "w") as f:
            f.write(SITE)
        with open(os.path.join(scratch, "serve.yaml"), "w") as f:
            f.write("apiVersion: vdc/v1\nkind: ServeConfig\nspec:\n  listen: 127.0.0.1:0\n"
                    f"  limits: {{maxBodyBytes: 64KiB, requestTimeout: {TIMEOUT}s}}\n"
                    "  vdcs:\n    - {name: site, directory: site, interval: 1h}\n")
        log = open(os.path.join(scratch, "serve.log"), "w")
        server = subprocess.Popen([vdc, "serve", "--config", "serve.yaml"], cwd=scratch, stdout=log, stderr=log)
        port = None
        for _ in range(300):
            found = re.search(r"serving 1 VDCs? on http://127\.0\.0\.1:(\d+)", open(log.name).read())
            if found:
                port = int(found.group(1))
                break
            time.sleep(0.05)
        if not check(port is not None, "the server starts"):
            print(open(log.name).read())
            return
        audit = os.path.join(scratch, ".vdc", "serve", "audit.jsonl")

        def audited(action, result):
            if not os.path.exists(audit):
                return False
            return any(json.loads(line).get("action") == action and json.loads(line).get("result") == result
                       for line in open(audit))

        status, _, body, _ = request(port, "GET", "/console/")
        check(status == 200, "a plain request is answered")
        whole = len(body)

        # Range: never a multipart answer, never more than the resource.
        status, head, body, _ = request(port, "GET", "/console/", {"Range": "bytes=" + ",".join(["0-"] * 500)})
        check(status == 200 and "multipart" not in head.lower() and len(body) == whole,
              f"500 ranges get one answer, whole ({status}, {len(body)} bytes for {whole})")

        # Bounds on what comes before the body.
        status, _, body, _ = request(port, "GET", "/api/v1/" + "a" * 20000)
        check(status == 431, f"a request line of 20 kB is refused with 431 ({status})")
        status, _, _, _ = request(port, "GET", "/api/v1/health", {f"X-{i}": "1" for i in range(150)})
        check(status == 431, f"150 headers are refused with 431 ({status})")
        status, _, _, _ = request(port, "GET", "/api/v1/health", {f"X-{i}": "v" * 7000 for i in range(3)})
        check(status == 431, f"21 kB of headers are refused with 431 ({status})")

        # No body, no Content-Length: answered at once, not after the deadline.
        status, _, body, seconds = request(port, "POST", "/api/v1/vdcs/site/sync", length=False)
        check(status == 202 and seconds < 1, f"a POST with no body and no length is answered at once ({status}, {seconds:.2f} s)")

        # One deadline for the whole request: a byte every 0.4 s is dropped at the deadline.
        start = time.time()
        s = connect(port)
        s.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        closed = False
        try:
            for _ in range(int(TIMEOUT * 4 / 0.4)):
                s.sendall(b"X")
                time.sleep(0.4)
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        dropped = time.time() - start
        s.close()
        check(closed and dropped < TIMEOUT + 2, f"a client that drips a byte each 0.4 s is dropped at the deadline ({dropped:.1f} s)")

        # 500 connections, idle or dripping: health still answers within a second.
        held = []
        for i in range(500):
            c = connect(port)
            if i % 2:
                c.sendall(b"POST /api/v1/vdcs/site/sync HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            held.append(c)
        status, _, _, seconds = request(port, "GET", "/api/v1/health")
        check(status == 200 and seconds < 1, f"health answers within a second beside 500 slow connections ({status}, {seconds:.2f} s)")
        for c in held:
            c.close()

        # Not UTF-8: a problem, without internals.
        for path, what in [("/api/v1/vdcs/%FF", "path"), ("/api/v1/vdcs/site/graph?format=%C0%80", "query"),
                           ("/api/v1/vdcs/si%00te", "path with NUL")]:
            status, head, body, _ = request(port, "GET", path)
            check(status == 400 and "application/problem+json" in head and b"not percent-encoded UTF-8" in body and no_internals(body),
                  f"a {what} that is not UTF-8 is a 400 problem ({status}: {body[:120]!r})")
        status, head, body, _ = request(port, "POST", "/api/v1/vdcs/site/plans", {"Content-Type": "application/json"},
                                        b'{"revision": "\xff\xfe"}')
        check(status == 400 and no_internals(body), f"a body that is not UTF-8 is a 400 problem ({status}: {body[:120]!r})")
        check(audited("plan", "refused"), "the refused plan is audited")

        # Another name for this address, another site's page.
        status, _, body, _ = exchange(port, b"GET /api/v1/vdcs HTTP/1.1\r\nHost: rebound.example:80\r\nConnection: close\r\n\r\n")
        check(status == 421, f"a Host this server does not answer to is refused ({status})")
        status, _, _, _ = request(port, "POST", "/api/v1/vdcs/site/suspend", {"Origin": "http://evil.example"})
        check(status == 403, f"a mutating call from another site's page is refused ({status})")
        check(audited("suspend", "refused (403)"), "the refused suspend is audited")
        status, _, _, _ = request(port, "POST", "/api/v1/vdcs/site/resume", {"Origin": f"http://127.0.0.1:{port}"})
        check(status == 202, f"the console's own origin may act ({status})")

        # Refused before any route ran, audited all the same.
        status, _, body, _ = request(port, "POST", "/api/v1/vdcs/site/plans", {"Content-Type": "application/json"},
                                     b"{" + b" " * (80 << 10) + b"}")
        check(status == 413, f"a body over maxBodyBytes is refused with 413 ({status})")
        check(audited("plan", "refused (413)"), "the 413 is audited")
        s = connect(port)
        s.sendall(b"POST /api/v1/vdcs/site/sync HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n{")
        time.sleep(TIMEOUT + 1.5)
        s.close()
        check(audited("sync", "refused (408)"), "a mutating call that never arrives whole is audited (408)")

        status, _, _, _ = request(port, "GET", "/api/v1/health")
        check(status == 200 and server.poll() is None, "the server is still up")
    finally:
        if server and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(scratch, ignore_errors=True)
    finish()


main()
