// LoadBalancer: an appliance on a network that spreads its listeners'
// connections over the instances its selector picks.
#include <set>

#include "engine/kinds/fields.h"
#include "engine/kinds/instance.h"
#include "engine/kinds/kind_rules.h"

namespace vdc {

using namespace fields;

namespace {

std::vector<Field> loadBalancerFields() {
  return {
      replaces(required(ref("network", Kind::Network))),
      // The appliance reads its configuration when it boots.
      restarts(required(object("listeners", FieldType::ObjectList,
                               {required(integer("port", 1, 65535)),
                                withDefault(choice("protocol", {"tcp", "http", "https"}), "tcp"),
                                integer("backendPort", 1, 65535), field("certificate", FieldType::String)}))),
      restarts(required(object("backends", FieldType::Object, {required(field("selector", FieldType::StringMap))}))),
      withDefault(choice("state", {"running", "stopped"}), kDefaultState),
  };
}

// `backends.members` is filled in by the resolver from the selector.
void loadBalancerReferences(const Json& spec, const AddReference& add) {
  add(Kind::Network, member(spec, "network"));
  for (const auto& name : member(member(spec, "backends"), "members")) add(Kind::Instance, name);
}

// The appliance's NIC is plugged into its network; its members are
// reached by address, which a replaced instance keeps.
Following loadBalancerOnReplaced(const Json&, const ResourceId& referred) {
  return referred.kind == Kind::Network ? Following::Reconnect : Following::Nothing;
}

void checkLoadBalancer(const Manifest& m, Checks& checks) {
  const Json& listeners = member(m.spec, "listeners");
  if (listeners.is_array() && listeners.empty())
    checks.problem(m.where, "LoadBalancer '" + m.id.name + "' needs at least one listener");
  std::set<long> ports;
  for (const auto& l : listeners) {
    if (!ports.insert(l.value("port", 0L)).second)
      checks.problem(m.where,
                     "LoadBalancer '" + m.id.name + "' listens twice on port " + std::to_string(l.value("port", 0L)));
    if (l.value("protocol", "tcp") != "https" && l.contains("certificate"))
      checks.problem(m.where, "a certificate is only used by https listeners");
  }
  if (member(member(m.spec, "backends"), "selector").empty())
    checks.problem(m.where, "LoadBalancer '" + m.id.name + "' has an empty backends.selector");
}

}  // namespace

extern const KindRules kLoadBalancerRules{
    .fields = loadBalancerFields,
    .references = loadBalancerReferences,
    .check = checkLoadBalancer,
    .onReplaced = loadBalancerOnReplaced,
    // Its appliance is made again from the Target's image: nothing of it is the VDC's data.
    .facts = {.placed = true, .carriesDisk = false, .renamable = false, .adoptable = false,
              .restarts = "the appliance", .dataLost = nothingLost},
};

}  // namespace vdc
