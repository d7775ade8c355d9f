#include "providers/ovs/flows.h"

#include <fstream>
#include <map>

#include "engine/addresses.h"
#include "support/process.h"
#include "base/scratch_directory.h"

namespace vdc::ovs {

namespace {

std::string hex(uint32_t value) {
  char out[16];
  std::snprintf(out, sizeof out, "0x%x", value);
  return out;
}

// "tcp,tp_dst=80" and the like, one per port block of the rule.
std::vector<std::string> protocolMatches(const Json& rule) {
  std::string protocol = rule.value("protocol", "any");
  if (protocol == "any") return {""};
  if (protocol == "icmp") return {",icmp"};
  if (!rule.contains("ports")) return {"," + protocol};
  std::vector<std::string> out;
  for (const auto& ports : portMatches(rule["ports"].get<std::string>()))
    out.push_back("," + protocol + ",tp_dst=" + ports);
  return out;
}

}  // namespace

std::vector<std::string> portMatches(const std::string& ports) {
  auto dash = ports.find('-');
  uint32_t first = std::stoul(ports.substr(0, dash));
  uint32_t last = dash == std::string::npos ? first : std::stoul(ports.substr(dash + 1));
  std::vector<std::string> out;
  while (first <= last) {
    // The largest aligned block that starts at `first` and fits the range.
    uint32_t size = 1;
    while ((first & ((size << 1) - 1)) == 0 && first + (size << 1) - 1 <= last && size < 0x10000) size <<= 1;
    out.push_back(size == 1 ? std::to_string(first) : hex(first) + "/" + hex(0xffff & ~(size - 1)));
    first += size;
  }
  return out;
}

std::string securityFlows(const std::vector<GroupSpec>& groups, const Cidr& network) {
  if (groups.size() > 32) throw Error("Open vSwitch enforces at most 32 security groups per VDC in this version");
  std::map<std::string, uint32_t> bit;
  for (size_t g = 0; g < groups.size(); ++g) bit[groups[g].name] = 1u << g;
  std::string flows =
      "table=0,priority=200,arp,actions=NORMAL\n"
      "table=0,priority=200,udp,tp_dst=67,actions=NORMAL\n"
      "table=0,priority=200,udp,tp_dst=68,actions=NORMAL\n"
      "table=0,priority=100,ip,actions=ct(table=1)\n"
      "table=0,priority=50,ipv6,actions=drop\n"
      "table=0,priority=0,actions=NORMAL\n"
      "table=1,priority=200,ct_state=+trk+est,ip,actions=NORMAL\n"
      "table=1,priority=200,ct_state=+trk+rel,ip,actions=NORMAL\n"
      "table=1,priority=100,ct_state=+trk+new,ip,actions=resubmit(,2)\n"
      "table=1,priority=0,actions=drop\n";
  // Egress: the union of the egress rules of every group of a restricted source.
  std::map<std::string, std::vector<std::string>> egress;  // source -> allowed matches
  std::map<std::string, uint32_t> groupsOf;                // member address -> bits
  for (const auto& group : groups) {
    for (const auto& member : group.spec.value("members", Json::array())) {
      std::string source = member.get<std::string>();
      groupsOf[source] |= bit[group.name];
      for (const auto& rule : group.spec.value("egress", Json::array()))
        for (const auto& to : ruleAddresses(rule, "to"))
          for (const auto& protocol : protocolMatches(rule))
            egress[source].push_back((to.prefix == 0 ? "" : ",nw_dst=" + to.str()) + protocol);  // /0: anywhere
    }
  }
  for (const auto& [source, allowed] : egress) {
    for (const auto& match : allowed)
      flows += "table=2,priority=100,ip,nw_src=" + source + match + ",actions=resubmit(,3)\n";
    flows += "table=2,priority=50,ip,nw_src=" + source + ",actions=drop\n";
  }
  flows += "table=2,priority=0,ip,actions=resubmit(,3)\n";
  // The source's groups, for rules that name a group and for members.
  for (const auto& [source, bits] : groupsOf)
    flows += "table=3,priority=100,ip,nw_src=" + source + ",actions=load:" + hex(bits) +
             "->NXM_NX_REG0[],resubmit(,4)\n";
  flows += "table=3,priority=0,ip,actions=resubmit(,4)\n";
  // Ingress, per destination: its groups' members, and its groups' rules.
  for (const auto& group : groups) {
    uint32_t own = bit[group.name];
    for (const auto& member : group.spec.value("members", Json::array())) {
      std::string to = ",nw_dst=" + member.get<std::string>();
      flows += "table=4,priority=100,ip,reg0=" + hex(own) + "/" + hex(own) + to + ",actions=ct(commit),NORMAL\n";
      for (const auto& rule : group.spec.value("ingress", Json::array())) {
        std::string from = rule.value("from", "0.0.0.0/0");
        bool peerGroup = bit.count(from) > 0;
        for (const auto& protocol : protocolMatches(rule)) {
          std::string match = peerGroup ? ",reg0=" + hex(bit[from]) + "/" + hex(bit[from])
                              : from == "0.0.0.0/0" ? ""
                                                    : ",nw_src=" + from;
          flows += "table=4,priority=100,ip" + match + to + protocol + ",actions=ct(commit),NORMAL\n";
        }
      }
    }
  }
  // A member of a group admits nothing else. An address in no group (a NIC
  // without security groups, the DHCP range, beyond the network) is not
  // filtered: its network is its boundary (docs/decisions.md).
  for (const auto& [member, bits] : groupsOf)
    if (auto address = Ipv4::parse(member); address && network.contains(*address))
      flows += "table=4,priority=50,ip,nw_dst=" + member + ",actions=drop\n";
  flows += "table=4,priority=0,ip,actions=ct(commit),NORMAL\n";
  return flows;
}

// The bridge's management socket, as ovs-ofctl takes it: one argument, never
// read by a shell, whatever the run directory (from the Target) holds.
static std::string managementSocket(const std::string& rundir, const std::string& bridge) {
  return "unix:" + rundir + "/" + bridge + ".mgmt";
}

void replaceFlows(const std::string& rundir, const std::string& bridge, const std::string& flows) {
  ProcessResult run =
      runProcess({"ovs-ofctl", "-O", "OpenFlow13", "replace-flows", managementSocket(rundir, bridge), "-"}, flows);
  if (run.exit != 0) throw Error("ovs-ofctl could not replace the flows of bridge " + bridge + ": " + run.errors);
}

bool flowsMatch(const std::string& rundir, const std::string& bridge, const std::string& flows) {
  ScratchDirectory scratch("flows");
  std::string file = (scratch.path() / "flows").string();
  std::ofstream(file) << flows;
  ProcessResult run = runProcess({"ovs-ofctl", "-O", "OpenFlow13", "diff-flows", managementSocket(rundir, bridge), file});
  // 0: the same; 2: they differ; anything else (no such bridge yet): not as written either.
  return run.exit == 0;
}

}  // namespace vdc::ovs
