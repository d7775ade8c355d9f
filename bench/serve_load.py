#!/usr/bin/python3
"""vdc serve under load: 100 clients (wrk) polling the status and the
resources of 50 VDCs, with p50/p99 latency, requests per second and the
server's memory and threads; and the cost of one more VDC, from servers of
10 and 50 idle VDCs. Prints its figures (docs/performance.md quotes them).

Usage: serve_load.py VDC [--vdcs 50] [--clients 100] [--seconds 20] [--runs 3]
       [--target FILE]  (a Target file: the VDCs go there, e.g. the real
                         datacenter of scripts/datacenter.sh; default: one
                         embedded datacenter they share)
       [--against OTHER_VDC]  (a second binary, say of an earlier commit:
                         the runs of the two alternate, each on a server of
                         its own, and each case's ratio is printed)
Needs wrk (scripts/install-deps.sh --bench)."""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

parser = argparse.ArgumentParser()
parser.add_argument("vdc")
parser.add_argument("--vdcs", type=int, default=50)
parser.add_argument("--clients", type=int, default=100)
parser.add_argument("--seconds", type=int, default=20)
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--target")
parser.add_argument("--against")
args = parser.parse_args()
vdc = os.path.abspath(args.vdc)
if not shutil.which("wrk"):
    sys.exit("wrk is needed: scripts/install-deps.sh --bench")

# A small VDC of its own for each: a network and two stopped instances.
MANIFEST = """apiVersion: vdc/v1
kind: VirtualDataCenter
metadata: {{name: {name}}}
---
apiVersion: vdc/v1
kind: Network
metadata: {{name: net}}
spec: {{cidr: 10.{a}.{b}.0/24, mode: isolated}}
---
apiVersion: vdc/v1
kind: Instance
metadata: {{name: web}}
spec:
  replicas: 2
  cpus: 1
  memory: 256MiB
  state: stopped
  interfaces: [{{network: net}}]
"""


def process_figures(pid):
    status = open(f"/proc/{pid}/status").read()
    field = lambda name: int(re.search(rf"^{name}:\s+(\d+)", status, re.M).group(1))
    return {"rss_kib": field("VmRSS"), "peak_kib": field("VmHWM"), "threads": field("Threads")}


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=60) as answer:
        return json.load(answer)


class Served:
    """vdc serve over `count` VDCs, each applied once before it returns."""

    def __init__(self, scratch, count, binary=None):
        binary = binary or vdc
        self.dir = tempfile.mkdtemp(dir=scratch)
        self.names = [f"vdc{i:03d}" for i in range(count)]
        lines = ["apiVersion: vdc/v1", "kind: ServeConfig", "spec:", "  listen: 127.0.0.1:0",
                 "  state: state", "  limits: {maxStreams: 8}", "  vdcs:"]
        for i, name in enumerate(self.names):
            os.makedirs(os.path.join(self.dir, name))
            with open(os.path.join(self.dir, name, "vdc.yaml"), "w") as out:
                out.write(MANIFEST.format(name=name, a=100 + i // 250, b=i % 250))
            target = f", target: {os.path.abspath(args.target)}" if args.target else ""
            lines.append(f"    - {{name: {name}, directory: {name}, interval: 1h{target}}}")
        with open(os.path.join(self.dir, "serve.yaml"), "w") as out:
            out.write("\n".join(lines) + "\n")
        self.log = open(os.path.join(self.dir, "serve.log"), "w+")
        started = time.monotonic()
        self.server = subprocess.Popen([binary, "serve", "--config", "serve.yaml"], cwd=self.dir,
                                       stdout=self.log, stderr=self.log)
        self.port = None
        for _ in range(600):
            self.log.seek(0)
            found = re.search(r"serving \d+ VDCs on http://127\.0\.0\.1:(\d+)", self.log.read())
            if found:
                self.port = int(found.group(1))
                break
            time.sleep(0.1)
        if self.port is None:
            self.stop()
            sys.exit("vdc serve did not start")
        for _ in range(6000):
            items = get(self.port, "/api/v1/vdcs")["items"]
            if all((v["status"] or {}).get("appliedRevision") for v in items):
                break
            failed = [v for v in items if (v["status"] or {}).get("lastError")]
            if failed:
                self.stop()
                sys.exit(f"VDC {failed[0]['name']} failed: {failed[0]['status']['lastError']}")
            time.sleep(0.1)
        else:
            self.stop()
            sys.exit("the VDCs were never all applied")
        self.applied_seconds = time.monotonic() - started

    def figures(self):
        return process_figures(self.server.pid)

    def stop(self):
        self.server.terminate()
        self.server.wait(timeout=120)
        # What went onto a real target is taken away again.
        if args.target:
            for name in self.names:
                subprocess.run([vdc, "destroy", name, "--target", os.path.abspath(args.target), "--auto-approve"],
                               cwd=self.dir, check=True, capture_output=True)


def wrk(port, paths, scratch):
    """One wrk run over `paths` in turn; its requests/s and latencies in ms."""
    script = os.path.join(scratch, "paths.lua")
    with open(script, "w") as out:
        out.write("paths = {" + ",".join(f'"{p}"' for p in paths) + "}\n"
                  "counter = 0\n"
                  "request = function()\n"
                  "  counter = counter + 1\n"
                  "  return wrk.format('GET', paths[(counter % #paths) + 1])\n"
                  "end\n")
    out = subprocess.run(["wrk", "-t2", f"-c{args.clients}", f"-d{args.seconds}s", "--latency", "--timeout", "30s",
                          "-s", script, f"http://127.0.0.1:{port}"], check=True, capture_output=True, text=True).stdout

    def ms(text):
        value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": ms(latency["50"]), "p99": ms(latency["99"]),
            "errors": int(errors.group(1)) if errors else 0,
            "socket_errors": socket_errors.group(1) if socket_errors else ""}


def median_of(runs, key):
    return statistics.median(r[key] for r in runs)


with tempfile.TemporaryDirectory() as scratch:
    # The cost of a VDC: two idle servers, 10 and `--vdcs` VDCs.
    small = Served(scratch, 10)
    time.sleep(2)
    small_figures = small.figures()
    small.stop()
    served = Served(scratch, args.vdcs)
    time.sleep(2)
    idle = served.figures()
    per_vdc_kib = (idle["rss_kib"] - small_figures["rss_kib"]) / (args.vdcs - 10)
    per_vdc_threads = (idle["threads"] - small_figures["threads"]) / (args.vdcs - 10)
    print(f"vdc serve, {args.vdcs} VDCs of 4 resources each on "
          f"{'the Target ' + args.target if args.target else 'one embedded datacenter'}; "
          f"{args.clients} clients (wrk, 2 threads) for {args.seconds} s, median of {args.runs} runs")
    print(f"  all {args.vdcs} applied in {served.applied_seconds:.1f} s from the start")
    print(f"  idle: {idle['rss_kib'] / 1024:.1f} MiB resident, {idle['threads']} threads "
          f"(10 VDCs: {small_figures['rss_kib'] / 1024:.1f} MiB, {small_figures['threads']} threads)")
    print(f"  one more VDC: {per_vdc_kib:.0f} KiB resident, {per_vdc_threads:.2f} threads")

    names = served.names
    cases = [
        ("status", [f"/api/v1/vdcs/{n}" for n in names]),
        ("list", ["/api/v1/vdcs"]),
        ("resources", [f"/api/v1/vdcs/{n}/resources" for n in names]),
        ("status + resources", [p for n in names for p in (f"/api/v1/vdcs/{n}", f"/api/v1/vdcs/{n}/resources")]),
    ]

    def show(name, runs, label=""):
        errors = sum(r["errors"] for r in runs)
        sockets = "; ".join(sorted({r["socket_errors"] for r in runs if r["socket_errors"]}))
        print(f"  {label}{name:<20} {median_of(runs, 'rps'):8.0f} req/s   p50 {median_of(runs, 'p50'):8.2f} ms   "
              f"p99 {median_of(runs, 'p99'):8.2f} ms   non-2xx {errors}" + (f"   socket errors: {sockets}" if sockets else ""))

    if not args.against:
        for name, paths in cases:
            show(name, [wrk(served.port, paths, scratch) for _ in range(args.runs)])
        # The requests wrk left in flight end first.
        time.sleep(10)
        loaded = served.figures()
        print(f"  10 s after the load: {loaded['rss_kib'] / 1024:.1f} MiB resident, peak {loaded['peak_kib'] / 1024:.1f} MiB, "
              f"{loaded['threads']} threads")
        served.stop()
    else:
        served.stop()
        # Run by run, each binary on a server of its own, in turn: what the machine does meanwhile falls on both.
        other = os.path.abspath(args.against)
        results = {b: {name: [] for name, _ in cases} for b in (vdc, other)}
        for _ in range(args.runs):
            for binary in (vdc, other):
                server = Served(scratch, args.vdcs, binary)
                time.sleep(2)
                for name, paths in cases:
                    results[binary][name].append(wrk(server.port, paths, scratch))
                server.stop()
        print(f"  this binary ({vdc}) against {other}:")
        for name, _ in cases:
            show(name, results[vdc][name], "this   ")
            show(name, results[other][name], "other  ")
            ratio = median_of(results[vdc][name], "rps") / median_of(results[other][name], "rps")
            print(f"  {'':7}{name:<20} {ratio:8.2f} x the other's requests/s")
