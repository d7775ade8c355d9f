"""A three-member etcd cluster on loopback ports, started and stopped by
hand (no systemd), for tests/etcd_cluster_test.py and bench/coordination.py."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

ETCD = shutil.which("etcd") or sys.exit("etcd is not installed (scripts/install-deps.sh --tests)")
ETCDCTL = shutil.which("etcdctl") or sys.exit("etcdctl is not installed (scripts/install-deps.sh --tests)")


def free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


class Cluster:
    """Three etcd members; `scratch` holds their data and logs."""

    def __init__(self, scratch):
        self.scratch = scratch
        ports = free_ports(6)
        self.client = ports[:3]
        self.peer = ports[3:]
        self.members = [None, None, None]
        self.initial = ",".join(f"e{i}=http://127.0.0.1:{self.peer[i]}" for i in range(3))
        self.endpoints = [f"http://127.0.0.1:{p}" for p in self.client]

    def start(self, i):
        log = open(os.path.join(self.scratch, f"etcd{i}.log"), "a")
        self.members[i] = subprocess.Popen([
            ETCD, "--name", f"e{i}", "--data-dir", os.path.join(self.scratch, f"etcd{i}"),
            "--listen-peer-urls", f"http://127.0.0.1:{self.peer[i]}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{self.peer[i]}",
            "--listen-client-urls", self.endpoints[i], "--advertise-client-urls", self.endpoints[i],
            "--initial-cluster", self.initial, "--initial-cluster-state", "new",
            "--heartbeat-interval", "100", "--election-timeout", "1000"], stdout=log, stderr=log)

    def start_all(self):
        for i in range(3):
            self.start(i)
        self.wait_for_leader()

    def stop(self, i):
        self.members[i].send_signal(signal.SIGTERM)
        self.members[i].wait(timeout=30)
        self.members[i] = None

    def stop_all(self):
        for i, member in enumerate(self.members):
            if member:
                member.kill()
                member.wait()

    def live(self):
        return [self.endpoints[i] for i, m in enumerate(self.members) if m]

    def wait_for_leader(self, timeout=30):
        """Until every live member answers and one of them leads."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            run = subprocess.run([ETCDCTL, "--endpoints", ",".join(self.live()), "endpoint", "status", "-w", "json"],
                                 capture_output=True, text=True, env={**os.environ, "ETCDCTL_API": "3"})
            if run.returncode == 0:
                statuses = json.loads(run.stdout)
                if len(statuses) == len(self.live()) and any(
                        s["Status"]["leader"] == s["Status"]["header"]["member_id"] for s in statuses):
                    return
            time.sleep(0.2)
        sys.exit("etcd elected no leader:\n" + run.stdout + run.stderr)

    def keys(self, prefix):
        run = subprocess.run([ETCDCTL, "--endpoints", ",".join(self.live()), "get", "--prefix", prefix, "--keys-only"],
                             capture_output=True, text=True, env={**os.environ, "ETCDCTL_API": "3"})
        return [line for line in run.stdout.splitlines() if line]


def stop_processes(processes):
    """SIGTERM to each still running (SIGKILL after 30 s), then wait."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
