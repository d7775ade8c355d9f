// Planned addresses: every NIC of an Instance gets an address of its network
// before the diff, so the plan shows it and the guest is given it. A NIC the
// target already records an address for keeps it (instances never move
// under a running VDC); a new one takes the lowest free address of the lower
// half of the subnet (the upper half is the network's DHCP range), never the
// gateway, a fixed address or one the target still records.
#pragma once

#include "base/error.h"
#include "engine/live.h"
#include "engine/model.h"
#include "engine/units.h"

namespace vdc {

// Fills `ip` in every Instance NIC of `desired` that has none, and the
// addresses of every SecurityGroup's members (`members`, and `addresses` on
// each rule whose peer is a group), and updates their spec hashes. A network
// with no free address left is a problem.
void planAddresses(Vdc& desired, const LiveState& live, Diagnostics& problems);

// What a planned security group rule's peer (`peer`: "from" or "to") stands
// for: its group's addresses, each a /32, or its CIDR (0.0.0.0/0 when none).
std::vector<Cidr> ruleAddresses(const Json& rule, const char* peer);

}  // namespace vdc
