#!/usr/bin/env bash
# Installs what vdc needs on Debian 12. Idempotent; no daemon is started.
#
#   install-deps.sh           what building vdc and its main job need
#   install-deps.sh --tests   and what the test suite adds: clang and its
#                             runtime (fuzzing), Open vSwitch (its OVSDB
#                             schema, which the unit tests of providers/ovs
#                             load; openvswitch-common lacks it), openssh
#                             (the sshd the tests of vdc watch over ssh start
#                             on a port of their own), mke2fs, bzip2 and xz
#                             (compressed bundles the tests make), openssl
#                             (the TLS test's certificate), Python
#                             with jsonschema and yaml (the schema checks),
#                             headless Chromium, its driver and Selenium with
#                             a Japanese font (the web console's browser test)
#   install-deps.sh --bench   and wrk, the load generator of bench/serve_load.py
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
packages=(
  ca-certificates cmake g++ make ninja-build pkg-config
  libyaml-cpp-dev libvirt-dev libxml2-dev libssl-dev libarchive-dev libcurl4-openssl-dev libgit2-dev
  nlohmann-json3-dev libboost-dev libspdlog-dev libcli11-dev libgtest-dev libcpp-httplib-dev libgraphviz-dev
  libvirt-clients  # virsh, to look at what the main job made
)
if [ "${1:-}" = --tests ]; then
  packages+=(
    git clang libclang-rt-14-dev libgmock-dev e2fsprogs bzip2 xz-utils openssl
    openvswitch-switch openssh-server openssh-client python3 python3-jsonschema python3-yaml
    chromium chromium-driver python3-selenium fonts-ipafont-gothic
    etcd-server etcd-client
  )
fi
if [ "${1:-}" = --bench ]; then
  packages+=(wrk python3 git etcd-server etcd-client)
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
