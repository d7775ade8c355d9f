// The name of a network's Open vSwitch bridge: the switch makes it, and the
// hypervisor plugs NICs into it by this name. Eleven characters, within
// the kernel's fifteen for an interface, from a digest of the VDC and the
// network, so that two VDCs' networks of one name never meet.
#pragma once

#include <string>

#include "engine/hash.h"

namespace vdc::ovs {

inline std::string bridgeName(const std::string& vdc, const std::string& network) {
  return "v" + sha256Hex(vdc + "/" + network).substr(0, 10);
}

}  // namespace vdc::ovs
