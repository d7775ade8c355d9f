// Opens the datacenter a Target document describes. With no Target, the
// embedded datacenter at .vdc/sim.xml under the current directory.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "engine/provider.h"

namespace vdc {

struct TargetSpec {
  std::string name = "embedded";
  std::string embeddedPath;  // set for the embedded datacenter
  std::string uri;           // set for a libvirt host
  std::map<std::string, std::string> storagePools;  // storage class -> pool
  std::string switchType = "bridge";                // "bridge": libvirt networks; "ovs": Open vSwitch
  std::string ovsSocket = "unix:/var/run/openvswitch/db.sock", ovsDatapath = "system";
};

inline constexpr const char* kDefaultEmbeddedPath = ".vdc/sim.xml";

// Parses a Target file; throws Error listing every problem (FILE:LINE:COL).
TargetSpec readTarget(const std::string& file);
DatacenterPtr openDatacenter(const TargetSpec& target);
// The datacenter of a Target file (or the embedded one), wrapped for fault
// injection when VDC_FAULT or VDC_LATENCY_MS ask for it (providers/faults).
DatacenterPtr openTarget(const std::optional<std::string>& file);

}  // namespace vdc
