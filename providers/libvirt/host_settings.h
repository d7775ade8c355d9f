// How a libvirt host is reached and used, as a Target says: what
// providers/targets hands the libvirt datacenter, with no libvirt type in it.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace vdc::libvirt {

// What a LoadBalancer's appliance boots (load_balancer.h): an image with
// HAProxy and cloud-init, named by the Target.
struct ApplianceImage {
  std::string source;  // a path or a file://, http:// or https:// URL; empty: none
  std::string format = "qcow2", sha256, hypervisor = "kvm";
};

// The most an embedded datacenter's file may hold: some 100,000 domains.
inline constexpr uint64_t kMaxNodeFileBytes = 512ull << 20;

struct HostSettings {
  std::string uri;
  // storage class -> libvirt pool name; a class not listed uses a pool of its own name.
  std::map<std::string, std::string> pools;
  bool createMissingPools = false;  // the embedded datacenter makes pools on demand
  bool testDriver = false;          // domains are type='test'; the hypervisor is not observable
  std::string nodeFile;             // the embedded datacenter's file, read before connecting (none there: empty)
  // Set when the networks are Open vSwitch bridges (providers/ovs) rather
  // than libvirt networks: the OVSDB socket and the bridges' datapath type.
  std::string ovsSocket, ovsDatapath;
  ApplianceImage loadBalancer;
  // How long a writer's lock on the host holds without renewal (host_lock.h).
  std::chrono::milliseconds lockLease{std::chrono::seconds(30)};
};

}  // namespace vdc::libvirt
