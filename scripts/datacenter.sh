#!/usr/bin/env bash
# A real datacenter on this machine, for the end-to-end tests and for trying
# vdc on real hypervisors: virtlogd and libvirtd (QEMU/KVM, LXC) and Open
# vSwitch (ovsdb-server, ovs-vswitchd on the userspace datapath), started by
# hand (no systemd) and stopped by the PIDs they were started with.
#
#   scripts/datacenter.sh install   # the Debian packages (idempotent)
#   scripts/datacenter.sh start     # starts what is not running yet
#   scripts/datacenter.sh stop      # stops what start started
#   scripts/datacenter.sh status
#
# Only daemons this script started are stopped: their PID files live in
# $VDC_DATACENTER_RUN (default /run/vdc-datacenter).
set -euo pipefail
RUN=${VDC_DATACENTER_RUN:-/run/vdc-datacenter}
URI=qemu:///system
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

install_packages() {
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends \
    libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-driver-lxc libvirt-clients \
    qemu-system-x86 qemu-utils iptables dnsmasq-base openvswitch-switch \
    xorriso grub-pc-bin mtools busybox-static cpio e2fsprogs util-linux >/dev/null
}

# qemu.conf as this kind of machine needs it: QEMU runs as root, no cgroup
# controllers, no security driver, no mount namespaces. libvirtd resolves its
# compiled-in user (libvirt-qemu) before it reads qemu.conf, so the user must
# exist all the same (the libvirt-daemon-system package would create it).
configure_qemu() {
  getent group libvirt-qemu >/dev/null || $SUDO groupadd --system libvirt-qemu
  getent passwd libvirt-qemu >/dev/null ||
    $SUDO useradd --system --no-create-home --home-dir /var/lib/libvirt --gid libvirt-qemu \
      --shell /usr/sbin/nologin libvirt-qemu
  local conf=/etc/libvirt/qemu.conf begin="# vdc datacenter: begin" end="# vdc datacenter: end"
  $SUDO mkdir -p /etc/libvirt
  $SUDO touch "$conf"
  $SUDO sed -i "/^$begin\$/,/^$end\$/d" "$conf"
  $SUDO tee -a "$conf" >/dev/null <<EOF
$begin
user = "root"
group = "root"
cgroup_controllers = [ ]
security_driver = "none"
namespaces = [ ]
$end
EOF
}

running() {  # NAME: true when the daemon started under NAME still runs
  [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null
}

wait_for() {  # SECONDS DESCRIPTION COMMAND...
  local seconds=$1 what=$2
  shift 2
  for _ in $(seq $((seconds * 10))); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "datacenter: $what did not come up within ${seconds}s" >&2
  return 1
}

hybrid_cgroups() {
  [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" != cgroup2fs ] && mountpoint -q /sys/fs/cgroup/unified
}

start_libvirt() {
  configure_qemu
  # Guests' console logs go to /var/log/libvirt/qemu: a fresh machine has no such directory yet.
  $SUDO mkdir -p /var/log/libvirt/qemu /var/log/libvirt/lxc /var/lib/libvirt /var/run/libvirt
  if ! running virtlogd; then
    $SUDO virtlogd -d -p "$RUN/virtlogd.pid"
  fi
  if ! running libvirtd; then
    if hybrid_cgroups; then
      # libvirt's LXC driver cannot set up a container's cgroups when cgroup
      # v2 is mounted beside the v1 controllers ("hybrid"): libvirtd runs in
      # a mount namespace of its own without the v2 mount.
      $SUDO unshare --mount --propagation private \
        sh -c 'umount /sys/fs/cgroup/unified && exec libvirtd -d -p "$1"' libvirtd "$RUN/libvirtd.pid"
    else
      $SUDO libvirtd -d -p "$RUN/libvirtd.pid"
    fi
  fi
  # The first start probes QEMU's capabilities: seconds.
  wait_for 60 libvirtd virsh -c "$URI" version
}

start_ovs() {
  local db=/etc/openvswitch/conf.db rundir=/var/run/openvswitch
  $SUDO mkdir -p /etc/openvswitch "$rundir"
  [ -f "$db" ] || $SUDO ovsdb-tool create "$db" /usr/share/openvswitch/vswitch.ovsschema
  if ! running ovsdb-server; then
    $SUDO ovsdb-server "$db" --remote="punix:$rundir/db.sock" --pidfile="$RUN/ovsdb-server.pid" \
      --detach --log-file="$RUN/ovsdb-server.log" -vconsole:off
  fi
  wait_for 20 ovsdb-server ovs-vsctl --no-wait show
  $SUDO ovs-vsctl --no-wait init
  if ! running ovs-vswitchd; then
    $SUDO ovs-vswitchd "unix:$rundir/db.sock" --pidfile="$RUN/ovs-vswitchd.pid" --detach \
      --log-file="$RUN/ovs-vswitchd.log" -vconsole:off
  fi
  wait_for 20 ovs-vswitchd ovs-appctl -t "$rundir/ovs-vswitchd.$(cat "$RUN/ovs-vswitchd.pid").ctl" version
}

stop_daemon() {  # NAME
  running "$1" || { rm -f "$RUN/$1.pid"; return 0; }
  local pid
  pid=$(cat "$RUN/$1.pid")
  $SUDO kill "$pid"
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then $SUDO kill -9 "$pid"; fi
  rm -f "$RUN/$1.pid"
}

case "${1:-}" in
  install)
    install_packages
    ;;
  start)
    $SUDO mkdir -p "$RUN"
    start_libvirt
    start_ovs
    echo "datacenter: libvirtd at $URI, Open vSwitch at /var/run/openvswitch/db.sock"
    ;;
  stop)
    # Bridges first: ovs-vswitchd must release their ports before it goes.
    if running ovs-vswitchd; then
      for bridge in $(ovs-vsctl --timeout=5 list-br 2>/dev/null); do ovs-vsctl --timeout=5 del-br "$bridge" || true; done
    fi
    for daemon in libvirtd virtlogd ovs-vswitchd ovsdb-server; do stop_daemon "$daemon"; done
    echo "datacenter: stopped"
    ;;
  status)
    for daemon in virtlogd libvirtd ovsdb-server ovs-vswitchd; do
      if running "$daemon"; then echo "$daemon: running ($(cat "$RUN/$daemon.pid"))"; else echo "$daemon: stopped"; fi
    done
    ;;
  *)
    echo "usage: $0 install|start|stop|status" >&2
    exit 2
    ;;
esac
