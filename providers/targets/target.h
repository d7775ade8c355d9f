// Opens the datacenter a Target document describes. With no Target, the
// embedded datacenter at .vdc/sim.xml under the current directory.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/provider.h"
#include "providers/etcd/settings.h"
#include "providers/libvirt/host_settings.h"

namespace vdc {

// One host of a Target: a libvirt host, or an embedded datacenter of its own.
struct TargetHost {
  HostInfo info;             // name, labels, capacity
  std::string uri;           // a libvirt host
  std::string embeddedPath;  // or the file of an embedded datacenter
};

struct TargetSpec {
  std::string name = "embedded";
  std::string embeddedPath;  // set for the embedded datacenter
  std::vector<TargetHost> hosts;
  std::map<std::string, std::string> storagePools;  // storage class -> pool
  ParallelLimits limits;                            // maxParallel of hosts and storage classes
  std::string switchType = "bridge";                // "bridge": libvirt networks; "ovs": Open vSwitch
  std::string ovsSocket = "unix:/var/run/openvswitch/db.sock", ovsDatapath = "system";
  libvirt::ApplianceImage loadBalancer;  // appliances.loadBalancer
  // Directories (absolute) whose files manifests from a repository or a
  // bundle may name besides their own (engine/host_files.h).
  std::vector<std::string> allowedPaths;
  // coordination: how long a writer's lock holds without renewal, and the
  // etcd cluster that holds the locks (none: each datacenter's own).
  std::chrono::seconds lockLease{30};
  std::optional<etcd::Settings> etcd;
};

inline constexpr const char* kDefaultEmbeddedPath = ".vdc/sim.xml";

// Parses a Target file; throws Error listing every problem (FILE:LINE:COL).
TargetSpec readTarget(const std::string& file);

DatacenterPtr openDatacenter(const TargetSpec& target);
// The datacenter of a Target file (or the embedded one), wrapped for fault
// injection when VDC_FAULT or VDC_LATENCY_MS ask for it (providers/targets/faults.h).
DatacenterPtr openTarget(const std::optional<std::string>& file);

}  // namespace vdc
