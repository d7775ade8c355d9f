#!/usr/bin/python3
"""What coordination costs and how fast it fails over, on real components:

1. vdc-lock-bench: taking and letting go of a VDC's lock (a file, the real
   libvirtd of scripts/datacenter.sh when it answers, a three-member etcd
   cluster on loopback), and one renewal of the lease.
2. Failover: three `vdc watch` replicas of one repository sharing a VDC
   through that etcd cluster. The owner is killed with SIGKILL; the time is
   taken until a survivor's status says it reconciles the VDC. The killed
   replica is started again before the next run. Medians of --runs.

Prints its figures (docs/performance.md).

Usage: coordination.py VDC LOCK_BENCH SOURCE_DIR [--runs 5] [--lease 3] [--interval 1]"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from etcd_cluster import Cluster, stop_processes  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("vdc")
parser.add_argument("lock_bench")
parser.add_argument("source")
parser.add_argument("--runs", type=int, default=5)
parser.add_argument("--lease", type=int, default=3)
parser.add_argument("--interval", type=int, default=1)
args = parser.parse_args()
vdc, lock_bench, source = (os.path.abspath(p) for p in (args.vdc, args.lock_bench, args.source))


def owners(scratch, names):
    """The replicas whose status says they reconcile the VDC."""
    return [name for name in names if owner_of(scratch, [name])]


def owner_of(scratch, names):
    """The replica whose status says it reconciles the VDC, if one does."""
    for name in names:
        for root, _, files in os.walk(os.path.join(scratch, name, ".vdc", "watch")):
            if "status.json" not in files:
                continue
            try:
                with open(os.path.join(root, "status.json")) as f:
                    status = json.load(f)
            except ValueError:
                continue
            for condition in status.get("conditions", []):
                if condition["type"] == "Reconciling" and condition["status"] == "True":
                    return name
    return None


def start_replica(scratch, name):
    os.makedirs(os.path.join(scratch, name), exist_ok=True)
    log = open(os.path.join(scratch, name, "log"), "a")
    return subprocess.Popen([vdc, "watch", "../repo", "--target", "../target.yaml", "--interval",
                             f"{args.interval}s", "--replica", name], cwd=os.path.join(scratch, name),
                            stdout=log, stderr=subprocess.STDOUT)


def main():
    scratch = tempfile.mkdtemp(prefix="vdc-coordination-")
    os.chmod(scratch, 0o700)
    cluster = Cluster(scratch)
    replicas = {}
    try:
        cluster.start_all()
        command = [lock_bench, "--file", os.path.join(scratch, "locks"), "--etcd", ",".join(cluster.endpoints)]
        os.makedirs(os.path.join(scratch, "locks"), mode=0o700)
        if subprocess.run(["virsh", "-c", "qemu:///system", "version"], capture_output=True).returncode == 0:
            command += ["--host", "qemu:///system"]
        else:
            print("(no libvirtd at qemu:///system: scripts/datacenter.sh start measures the host lock too)")
        subprocess.run(command, check=True)

        with open(os.path.join(scratch, "target.yaml"), "w") as f:
            f.write(f"""apiVersion: vdc/v1
kind: Target
metadata: {{name: bench}}
spec:
  embedded: {{path: dc/sim.xml}}
  coordination:
    lease: {args.lease}s
    etcd: {{endpoints: [{", ".join(cluster.endpoints)}], prefix: /bench/}}
""")
        repo = os.path.join(scratch, "repo")
        shutil.copytree(os.path.join(source, "examples", "webshop"), repo)
        git = ["git", "-C", repo, "-c", "user.email=bench@vdc", "-c", "user.name=bench"]
        subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
        subprocess.run(git + ["add", "-A"], check=True)
        subprocess.run(git + ["commit", "-qm", "webshop"], check=True)
        names = ["r1", "r2", "r3"]
        for name in names:
            replicas[name] = start_replica(scratch, name)
        failovers = []
        for run in range(args.runs):
            # Settled: exactly one replica says it reconciles (a replica
            # that just handed the VDC over may still say so for a moment).
            deadline = time.time() + 60
            while len(owners(scratch, names)) != 1 and time.time() < deadline:
                time.sleep(0.05)
            if len(owners(scratch, names)) != 1:
                sys.exit("no one replica took the VDC: " + " ".join(owners(scratch, names)))
            owner = owners(scratch, names)[0]
            replicas[owner].send_signal(signal.SIGKILL)
            replicas[owner].wait()
            killed = time.time()
            # Its status file still says it owns the VDC: look at the others.
            others = [n for n in names if n != owner]
            while not owner_of(scratch, others) and time.time() - killed < 60:
                time.sleep(0.02)
            failovers.append(time.time() - killed)
            print(f"run {run + 1}: {owner} killed, {owner_of(scratch, others)} took over in {failovers[-1]:.2f} s",
                  flush=True)
            os.remove(next(os.path.join(root, "status.json") for root, _, files in
                           os.walk(os.path.join(scratch, owner, ".vdc", "watch")) if "status.json" in files))
            replicas[owner] = start_replica(scratch, owner)
            time.sleep(args.lease + 1)  # it has joined, and the VDC may have moved back to it
        print(f"\nFailover with lease {args.lease} s and interval {args.interval} s, {args.runs} runs: "
              f"median {statistics.median(failovers):.2f} s, "
              f"min {min(failovers):.2f} s, max {max(failovers):.2f} s")
    finally:
        stop_processes(replicas.values())
        cluster.stop_all()
        shutil.rmtree(scratch, ignore_errors=True)


main()
