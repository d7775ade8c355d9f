// SecurityGroup: rules for the NICs that name it. Its rules may name other
// groups (web <-> app): that is membership, not creation order, so they are
// no references.
#include "engine/kinds/fields.h"
#include "engine/kinds/kind_rules.h"

namespace vdc {

using namespace fields;

namespace {

std::vector<Field> rule(const char* peer) {
  return {
      required(choice("protocol", {"tcp", "udp", "icmp", "any"})),
      field("ports", FieldType::Ports),
      withDefault(field(peer, FieldType::Peer), "0.0.0.0/0"),
  };
}

std::vector<Field> securityGroupFields() {
  return {
      withDefault(object("ingress", FieldType::ObjectList, rule("from")), Json::array()),
      withDefault(object("egress", FieldType::ObjectList, rule("to")), Json::array()),
  };
}

void checkSecurityGroup(const Manifest& m, Checks& checks) {
  for (const char* direction : {"ingress", "egress"}) {
    const Json& rules = member(m.spec, direction);
    for (size_t i = 0; i < rules.size(); ++i) {
      std::string protocol = rules[i].value("protocol", "any");
      if (rules[i].contains("ports") && protocol != "tcp" && protocol != "udp")
        checks.problem(checks.mentionAt(m, std::string("spec.") + direction + "[" + std::to_string(i) + "]." +
                                               (std::string(direction) == "ingress" ? "from" : "to")),
                       std::string("spec.") + direction + "[" + std::to_string(i) +
                           "]: ports are only allowed for tcp and udp, not " + protocol);
    }
  }
}

}  // namespace

extern const KindRules kSecurityGroupRules{
    .fields = securityGroupFields,
    .check = checkSecurityGroup,
    .facts = {.placed = false, .carriesDisk = false, .renamable = false, .adoptable = false, .restarts = "",
              .dataLost = nothingLost},
};

}  // namespace vdc
