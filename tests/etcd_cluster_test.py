#!/usr/bin/python3
"""vdc with a real three-member etcd cluster on loopback ports (Debian's
etcd-server) as its coordination backend (Target coordination.etcd):

- two appliers from different working directories on one target: exactly
  one runs, the other is told who holds the lock;
- three `vdc watch` replicas of one repository: exactly one reconciles;
  killed with SIGKILL, another takes over within the lease and nothing is
  applied twice;
- two `vdc serve` replicas of four VDCs share them out; one killed, the
  other reconciles all four;
- one etcd member stopped: work goes on;
- quorum lost: an apply in flight stops before its next operation, a new
  apply refuses and says why, a replica stops applying and says so; all of
  it resumes when quorum returns.

Usage: etcd_cluster_test.py VDC SOURCE_DIR"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from checks import check, failures, finish
from etcd_cluster import Cluster, stop_processes

vdc, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
LEASE = 3  # seconds: coordination.lease of the Targets here


def target(path, cluster, embedded, prefix):
    with open(path, "w") as f:
        f.write(f"""apiVersion: vdc/v1
kind: Target
metadata: {{name: shared}}
spec:
  embedded: {{path: {embedded}}}
  coordination:
    lease: {LEASE}s
    etcd:
      endpoints: [{", ".join(cluster.endpoints)}]
      prefix: {prefix}
""")


def run(cwd, *args, env=None):
    return subprocess.run([vdc, *args], cwd=cwd, capture_output=True, text=True, env={**os.environ, **(env or {})})


def start(cwd, *args, env=None):
    log = open(os.path.join(cwd, "log"), "w+")
    return subprocess.Popen([vdc, *args], cwd=cwd, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})})


def read(path):
    with open(path) as f:
        return f.read()


def add_network(directory, name, cidr):
    with open(os.path.join(directory, "networks.yaml"), "a") as f:
        f.write(f"---\napiVersion: vdc/v1\nkind: Network\nmetadata: {{name: {name}}}\nspec: {{cidr: {cidr}}}\n")


def wait_until(condition, timeout, step=0.1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def two_appliers(scratch, cluster):
    print("== two appliers from two working directories on one target", flush=True)
    for d in ("a", "b"):
        shutil.copytree(os.path.join(source, "examples", "webshop"), os.path.join(scratch, d, "shop"))
    # The first apply waits at its first call, its lease renewed, while the second one starts.
    first = start(os.path.join(scratch, "a"), "apply", "shop", "--target", "../cli.yaml", "--auto-approve",
                  env={"VDC_FAULT": "hold:1"})
    check(wait_until(lambda: "held by VDC_FAULT" in read(os.path.join(scratch, "a", "log")), 30),
          "the first apply is under way")
    check(cluster.keys("/cli/locks/"), "the first apply holds the lock in etcd")
    second = run(os.path.join(scratch, "b"), "apply", "shop", "--target", "../cli.yaml", "--auto-approve")
    check(second.returncode == 1 and "is locked by vdc apply (pid" in second.stderr,
          "the second apply is refused and told who holds the lock: " + second.stderr.strip())
    first.send_signal(signal.SIGCONT)
    first.wait(timeout=120)
    out = read(os.path.join(scratch, "a", "log"))
    check(first.returncode == 0 and "Apply complete: 18 created" in out, "the first apply ran to the end")
    check(not cluster.keys("/cli/locks/"), "the lock was let go")
    plan = run(os.path.join(scratch, "b"), "plan", "shop", "--target", "../cli.yaml", "--detailed-exitcode")
    check(plan.returncode == 0, "from the other directory, the plan has nothing left to do")


def served_owners(scratch, servers, vdcs):
    """For each VDC, the servers whose status says they reconcile it."""
    owners = {name: [] for name in vdcs}
    for server in servers:
        for name in vdcs:
            try:
                status = json.loads(read(os.path.join(scratch, server, "state", "vdcs", name, "status.json")))
            except (OSError, ValueError):
                continue
            if reconciling(status):
                owners[name].append(server)
    return owners


def two_servers(scratch):
    print("== two replicas of vdc serve share four VDCs", flush=True)
    vdcs = [f"v{i}" for i in range(4)]
    for i, name in enumerate(vdcs):
        os.makedirs(os.path.join(scratch, "served", name))
        with open(os.path.join(scratch, "served", name, "vdc.yaml"), "w") as f:
            f.write(f"apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {{name: {name}}}\n---\n"
                    f"apiVersion: vdc/v1\nkind: Network\nmetadata: {{name: net}}\nspec: {{cidr: 10.80.{i}.0/24}}\n")
    servers = {}
    for server in ("s1", "s2"):
        os.makedirs(os.path.join(scratch, server))
        with open(os.path.join(scratch, server, "serve.yaml"), "w") as f:
            f.write(f"apiVersion: vdc/v1\nkind: ServeConfig\nspec:\n  listen: 127.0.0.1:0\n  state: state\n"
                    f"  replica: {server}\n  vdcs:\n")
            for name in vdcs:
                f.write(f"    - {{name: {name}, directory: ../served/{name}, interval: 1s, target: ../watch.yaml}}\n")
        servers[server] = start(os.path.join(scratch, server), "serve", "--config", "serve.yaml")
    try:
        shared = wait_until(lambda: all(len(o) == 1 for o in served_owners(scratch, servers, vdcs).values()), 30)
        owners = served_owners(scratch, servers, vdcs)
        check(shared, "each VDC is reconciled by exactly one server: " + str(owners))
        check(len({o[0] for o in owners.values() if o}) == 2, "both servers have VDCs to reconcile")
        servers["s1"].send_signal(signal.SIGKILL)
        servers["s1"].wait()
        killed = time.time()
        took = wait_until(lambda: all(o == ["s2"] for o in served_owners(scratch, ["s2"], vdcs).values()), LEASE + 15)
        check(took, f"s2 reconciles all four {time.time() - killed:.1f} s after s1 was killed")
        check(wait_until(lambda: all(f"v{i}._vdc" in read(os.path.join(scratch, "watch-dc", "sim.xml"))
                                     for i in range(4)), 20), "every served VDC is applied")
    finally:
        stop_processes(servers.values())


def replica_statuses(scratch):
    found = {}
    for name in ("r1", "r2", "r3"):
        for root, _, files in os.walk(os.path.join(scratch, name, ".vdc", "watch")):
            if "status.json" in files:
                try:
                    status = json.loads(read(os.path.join(root, "status.json")))
                except ValueError:
                    continue  # being written
                found[name] = status
    return found


def reconciling(status):
    for condition in status.get("conditions", []):
        if condition["type"] == "Reconciling":
            return condition["status"] == "True"
    return None


def applied_revisions(scratch):
    """Every "applying REV" line of every replica's log."""
    lines = []
    for name in ("r1", "r2", "r3"):
        lines += re.findall(r"applying ([0-9a-f]{12})", read(os.path.join(scratch, name, "log")))
    return lines


def commit(repo, message):
    git = ["git", "-C", repo, "-c", "user.email=test@vdc", "-c", "user.name=test"]
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", message], check=True)
    return subprocess.run(git + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()


def main():
    scratch = tempfile.mkdtemp(prefix="vdc-etcd-")
    os.chmod(scratch, 0o700)
    cluster = Cluster(scratch)
    replicas = {}
    try:
        cluster.start_all()
        target(os.path.join(scratch, "cli.yaml"), cluster, "cli-dc/sim.xml", "/cli/")
        target(os.path.join(scratch, "watch.yaml"), cluster, "watch-dc/sim.xml", "/watch/")
        two_appliers(scratch, cluster)

        print("== three replicas of vdc watch", flush=True)
        repo = os.path.join(scratch, "repo")
        shutil.copytree(os.path.join(source, "examples", "webshop"), repo)
        subprocess.run(["git", "init", "-q", "-b", "main", repo], check=True)
        first = commit(repo, "the webshop")
        for name in ("r1", "r2", "r3"):
            os.makedirs(os.path.join(scratch, name))
            replicas[name] = start(os.path.join(scratch, name), "watch", "../repo", "--target", "../watch.yaml",
                                   "--interval", "1s", "--replica", name)
        settled = wait_until(lambda: sorted(reconciling(s) for s in replica_statuses(scratch).values())
                             == [False, False, True], 30)
        check(settled, "exactly one replica reconciles the VDC, two stand by")
        owner = [n for n, s in replica_statuses(scratch).items() if reconciling(s)][0]
        check(wait_until(lambda: applied_revisions(scratch) == [first[:12]], 30),
              f"the first commit is applied once ({owner} owns the VDC)")
        check(sorted(k.split("/")[-1] for k in cluster.keys("/watch/replicas/")) == ["r1", "r2", "r3"],
              "each replica is present in etcd")

        replicas[owner].send_signal(signal.SIGKILL)
        replicas[owner].wait()
        killed = time.time()
        add_network(repo, "extra", "10.99.0.0/24")
        second = commit(repo, "one more network")
        took_over = wait_until(lambda: second[:12] in applied_revisions(scratch), LEASE + 15)
        elapsed = time.time() - killed
        check(took_over, f"another replica applied the next commit {elapsed:.1f} s after {owner} was killed")
        check(elapsed < LEASE + 6, f"within the lease ({LEASE} s) and two looks ({elapsed:.1f} s)")
        # The new owner writes its status once its apply is done.
        check(wait_until(lambda: sorted(reconciling(s) for n, s in replica_statuses(scratch).items() if n != owner)
                         == [False, True], 20), "one survivor reconciles, the other stands by")
        time.sleep(2)
        revisions = applied_revisions(scratch)
        check(revisions == [first[:12], second[:12]], "nothing was applied twice: " + " ".join(revisions))

        two_servers(scratch)

        print("== one etcd member stopped", flush=True)
        cluster.stop(0)
        cluster.wait_for_leader()
        add_network(os.path.join(scratch, "a", "shop"), "extra", "10.98.0.0/24")
        applied = run(os.path.join(scratch, "a"), "apply", "shop", "--target", "../cli.yaml", "--auto-approve")
        check(applied.returncode == 0 and "Apply complete: 1 created" in applied.stdout,
              "an apply with two members of three runs: " + applied.stderr.strip())
        add_network(repo, "third", "10.97.0.0/24")
        third = commit(repo, "a third network")
        check(wait_until(lambda: third[:12] in applied_revisions(scratch), 20), "the replicas go on applying commits")

        print("== quorum lost", flush=True)
        shutil.copytree(os.path.join(source, "examples", "hadoop"), os.path.join(scratch, "c", "hadoop"))
        slow = start(os.path.join(scratch, "c"), "apply", "hadoop", "--target", "../cli.yaml", "--auto-approve",
                     "--parallelism", "1", env={"VDC_LATENCY_MS": "800"})
        check(wait_until(lambda: cluster.keys("/cli/locks/hadoop"), 20), "a slow apply holds its lock")
        time.sleep(1)
        cluster.stop(1)
        lost = time.time()
        slow.wait(timeout=120)
        out = read(os.path.join(scratch, "c", "log"))
        check(slow.returncode == 1 and "stopped before the next operation" in out and "not started" in out,
              f"the apply in flight stopped {time.time() - lost:.1f} s after quorum was lost: "
              + " | ".join(l for l in out.splitlines() if "lease" in l or "Apply" in l))
        # The old leader goes on renewing leases until it notices it lost its
        # peers (up to two election timeouts, 2 s here); from then on the
        # holder stops at its next operation within four fifths of the lease.
        check(time.time() - lost < 2 + LEASE + 3, "within the lease, once etcd stopped renewing it")
        add_network(os.path.join(scratch, "a", "shop"), "fourth", "10.96.0.0/24")
        refused = run(os.path.join(scratch, "a"), "apply", "shop", "--target", "../cli.yaml", "--auto-approve")
        check(refused.returncode == 1 and "nothing is applied" in refused.stderr
              and "is a majority of the cluster up?" in refused.stderr,
              "a new apply refuses and says why: " + refused.stderr.strip().splitlines()[0])
        add_network(repo, "fourth", "10.96.0.0/24")
        fourth = commit(repo, "a fourth network")

        def replica_says_etcd():
            for s in replica_statuses(scratch).values():
                message = (s.get("lastError") or {}).get("message") or ""
                if "etcd" in message and (s.get("lastError") or {}).get("revision") in (fourth, third):
                    return True
            return False
        check(wait_until(replica_says_etcd, 30), "a replica reports that it cannot reach etcd")
        check(fourth[:12] not in applied_revisions(scratch), "no replica applied without quorum")

        cluster.start(0)
        cluster.start(1)
        cluster.wait_for_leader()
        applied = run(os.path.join(scratch, "a"), "apply", "shop", "--target", "../cli.yaml", "--auto-approve")
        check(applied.returncode == 0, "with quorum back, the apply runs: " + applied.stderr.strip())
        # Its lock outlives it: the process could not revoke its lease
        # without quorum, and a new leader gives every lease its time anew.
        back = time.time()
        again = run(os.path.join(scratch, "c"), "apply", "hadoop", "--target", "../cli.yaml", "--auto-approve")
        while again.returncode == 1 and "is locked by" in again.stderr and time.time() - back < LEASE + 5:
            time.sleep(0.5)
            again = run(os.path.join(scratch, "c"), "apply", "hadoop", "--target", "../cli.yaml", "--auto-approve")
        check(again.returncode == 0 and "Apply complete" in again.stdout,
              f"the apply that stopped converges when run again, once its lease expired "
              f"({time.time() - back:.1f} s): " + again.stderr.strip())
        check(wait_until(lambda: fourth[:12] in applied_revisions(scratch), 40),
              "the replicas apply the commit made without quorum")
        revisions = applied_revisions(scratch)
        check(len(revisions) == len(set(revisions)), "no commit was applied twice: " + " ".join(revisions))
    finally:
        stop_processes(replicas.values())
        cluster.stop_all()
        if failures:
            for name in ("r1", "r2", "r3", "s1", "s2", "c", "a"):
                path = os.path.join(scratch, name, "log")
                if os.path.exists(path):
                    print(f"--- {path}\n" + read(path)[-3000:])
        shutil.rmtree(scratch, ignore_errors=True)
    finish()
    print("all checks passed")


main()
