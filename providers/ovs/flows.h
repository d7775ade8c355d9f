// Security groups on an Open vSwitch bridge as OpenFlow rules, with the
// switch's connection tracking: replies to allowed connections pass, a new
// connection must be let out by its source's groups and let in by its
// destination's. The tables (ovs-ofctl syntax, OpenFlow 1.3 and Nicira
// extensions):
//   0  ARP and DHCP pass; IPv4 goes through conntrack into 1; IPv6 is dropped
//   1  established and related pass; new goes on to 2; invalid is dropped
//   2  egress: a source whose groups list egress rules may open only those
//   3  marks the source's groups in reg0 (one bit per group of the VDC)
//   4  ingress: a destination admits its groups' members and rules, and its
//      network's planned addresses admit nothing else; other destinations pass
#pragma once

#include <string>
#include <vector>

#include "engine/model.h"
#include "engine/units.h"

namespace vdc::ovs {

struct GroupSpec {
  std::string name;
  Json spec;  // as planned: members, ingress and egress with addresses
};

// The whole flow table of one network's bridge (`network`: its addresses,
// the only ones it guards); throws Error when the VDC has more groups than
// reg0 has bits.
std::string securityFlows(const std::vector<GroupSpec>& groups, const Cidr& network);

// Port range "8000-8080" as value/mask pairs OpenFlow can match.
std::vector<std::string> portMatches(const std::string& ports);

// Replaces every flow of `bridge` with `flows` in one step (ovs-ofctl
// replace-flows, through the bridge's management socket in `rundir`).
void replaceFlows(const std::string& rundir, const std::string& bridge, const std::string& flows);

// Whether `bridge` holds exactly `flows` (ovs-ofctl diff-flows): how a
// change made to them outside vdc is seen.
bool flowsMatch(const std::string& rundir, const std::string& bridge, const std::string& flows);

}  // namespace vdc::ovs
