#!/usr/bin/python3
"""A fleet at scale: a Target of H embedded hosts in Z zones and one VDC of
N instances (replicated, spread by zone) on a shared network. Times, in
fresh processes: the first plan, the apply, and the no-op plan after it,
each with its peak memory; and reports how the placement spread the
instances over hosts and zones. Prints its figures (docs/performance.md).

Usage: fleet_scale.py VDC [--hosts 100] [--zones 10] [--instances 10000]
       [--runs 3] [--parallelism 10]"""
import argparse
import collections
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

parser = argparse.ArgumentParser()
parser.add_argument("vdc")
parser.add_argument("--hosts", type=int, default=100)
parser.add_argument("--zones", type=int, default=10)
parser.add_argument("--instances", type=int, default=10000)
parser.add_argument("--runs", type=int, default=3)
parser.add_argument("--parallelism", type=int, default=10)
args = parser.parse_args()
vdc = os.path.abspath(args.vdc)
per_manifest = 100
if args.instances % per_manifest:
    sys.exit(f"--instances must be a multiple of {per_manifest}")


def write_fleet(root):
    lines = ["apiVersion: vdc/v1", "kind: Target", "metadata: {name: fleet}", "spec:", "  hosts:"]
    room = -(-args.instances // args.hosts) * 2  # twice the even share: placement has a choice
    for h in range(args.hosts):
        lines.append(f"    - {{name: h{h:03d}, embedded: {{path: hosts/h{h:03d}.xml}}, "
                     f"capacity: {{cpus: {room}, memory: {room * 256}MiB}}, labels: {{zone: z{h % args.zones}}}}}")
    with open(os.path.join(root, "target.yaml"), "w") as out:
        out.write("\n".join(lines) + "\n")
    os.makedirs(os.path.join(root, "hosts"))
    os.makedirs(os.path.join(root, "vdc"))
    docs = ["apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: fleet}\n",
            "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: net}\nspec: {cidr: 10.0.0.0/16}\n"]
    for i in range(args.instances // per_manifest):
        docs.append(f"apiVersion: vdc/v1\nkind: Instance\nmetadata: {{name: app{i:03d}}}\nspec:\n"
                    f"  replicas: {per_manifest}\n  cpus: 1\n  memory: 128MiB\n  state: stopped\n"
                    f"  placement: {{spreadBy: zone}}\n  interfaces: [{{network: net}}]\n")
    with open(os.path.join(root, "vdc", "vdc.yaml"), "w") as out:
        out.write("---\n".join(docs))


def timed(root, *command):
    """Wall seconds and peak resident MiB of one vdc run."""
    started = time.monotonic()
    run = subprocess.run(["/usr/bin/time", "-f", "peak %M", vdc, *command, "vdc", "--target", "target.yaml"],
                         cwd=root, capture_output=True, text=True)
    seconds = time.monotonic() - started
    if run.returncode not in (0, 2):
        sys.exit(f"vdc {' '.join(command)} failed:\n{run.stderr[-3000:]}")
    peak = int(re.search(r"peak (\d+)", run.stderr).group(1)) / 1024
    return seconds, peak, run.stdout


results = collections.defaultdict(list)
spread = None
for run in range(args.runs):
    with tempfile.TemporaryDirectory() as root:
        write_fleet(root)
        seconds, peak, out = timed(root, "plan", "--json")
        results["first plan"].append((seconds, peak))
        if spread is None:
            per_host = collections.Counter()
            for change in json.loads(out)["changes"]:
                if change["kind"] == "Instance":
                    per_host.update(change["after"]["hosts"])
            per_zone = collections.Counter({f"z{z}": 0 for z in range(args.zones)})
            for host, count in per_host.items():
                per_zone[f"z{int(host[1:]) % args.zones}"] += count
            spread = (per_host, per_zone)
        seconds, peak, _ = timed(root, "apply", "--auto-approve", "--parallelism", str(args.parallelism))
        results["apply"].append((seconds, peak))
        seconds, peak, out = timed(root, "plan", "--detailed-exitcode")
        if "No changes" not in out:
            sys.exit("the plan after the apply is not empty:\n" + out[-2000:])
        results["no-op plan"].append((seconds, peak))

print(f"a fleet of {args.hosts} embedded hosts in {args.zones} zones, one VDC of {args.instances:,} instances "
      f"(replicas of {per_manifest}, spread by zone) on one network; parallelism {args.parallelism}; "
      f"median of {args.runs} runs, each step a fresh process")
for step, figures in results.items():
    print(f"  {step:<12} {statistics.median(s for s, _ in figures):8.2f} s   "
          f"peak {statistics.median(p for _, p in figures):7.1f} MiB")
per_host, per_zone = spread
print(f"  instances per host: {min(per_host.values())} to {max(per_host.values())} "
      f"over {len(per_host)} hosts; per zone: {min(per_zone.values())} to {max(per_zone.values())}")
