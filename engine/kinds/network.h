// Network: an L2 segment with an IPv4 CIDR, isolated or NATed to the
// outside; a libvirt network or an Open vSwitch bridge.
#pragma once

#include <string>

#include "engine/model.h"

namespace vdc {

inline constexpr const char* kDefaultNetworkMode = "isolated";
inline constexpr bool kDefaultDhcp = true;
inline constexpr long kDefaultMtu = 1500;

// A Network's spec as providers read it, with the kind's defaults.
class NetworkSpec {
 public:
  explicit NetworkSpec(const Json& spec) : spec_(spec) {}
  bool nat() const { return spec_.value("mode", kDefaultNetworkMode) == std::string("nat"); }
  bool dhcp() const { return spec_.value("dhcp", kDefaultDhcp); }
  long mtu() const { return spec_.value("mtu", kDefaultMtu); }

 private:
  const Json& spec_;
};

}  // namespace vdc
