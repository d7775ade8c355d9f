#!/usr/bin/env bash
# Installs everything vdc needs to build and test on Debian 12. Idempotent.
# openvswitch-switch brings the OVSDB schema the unit tests of providers/ovs
# load (openvswitch-common lacks it); openssh-server, the sshd that the
# tests of vdc watch over ssh start on a port of their own. No daemon is
# started here.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends \
  ca-certificates cmake g++ make ninja-build pkg-config git \
  clang libclang-rt-14-dev \
  libyaml-cpp-dev libvirt-dev libvirt-clients libxml2-dev libssl-dev libarchive-dev libcurl4-openssl-dev libgit2-dev e2fsprogs \
  nlohmann-json3-dev libboost-dev libspdlog-dev libcli11-dev \
  libgtest-dev libgmock-dev openvswitch-switch openssh-server openssh-client \
  python3 python3-jsonschema python3-yaml >/dev/null
