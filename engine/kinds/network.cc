#include "engine/kinds/network.h"

#include "engine/kinds/fields.h"
#include "engine/kinds/kind_rules.h"

namespace vdc {

using namespace fields;

namespace {

std::vector<Field> networkFields() {
  return {
      replaces(required(field("cidr", FieldType::Cidr))),
      withDefault(choice("mode", {"isolated", "nat"}), kDefaultNetworkMode),
      withDefault(field("dhcp", FieldType::Bool), kDefaultDhcp),
      field("gateway", FieldType::Ipv4),  // default: the first host, filled in by the resolver
      withDefault(integer("mtu", 68, 65535), kDefaultMtu),
  };
}

void checkNetwork(const Manifest& m, Checks& checks) {
  auto cidr = Cidr::parse(m.spec.value("cidr", ""));
  if (!cidr) return;
  if (cidr->prefix > 30) checks.problem(m.where, "network " + cidr->str() + " is too small (at most /30)");
  if (cidr->prefix < 8) checks.problem(m.where, "network " + cidr->str() + " is too large (at least /8)");
  // Two networks of one VDC on the same addresses would route to either.
  for (const auto& [other, where] : checks.networks)
    if (cidr->contains(other.base) || other.contains(cidr->base))
      checks.problem(m.where, "network " + cidr->str() + " overlaps " + other.str() + " (at " + where.str() + ")");
  checks.networks.push_back({*cidr, m.where});
  if (m.spec.contains("gateway")) {
    auto gateway = Ipv4::parse(m.spec["gateway"].get<std::string>());
    if (gateway && !isHostOf(*cidr, *gateway))
      checks.problem(checks.mentionAt(m, "spec.gateway"),
                     "gateway " + gateway->str() + " is not a host address of " + cidr->str());
  }
}

}  // namespace

extern const KindRules kNetworkRules{
    .fields = networkFields,
    .check = checkNetwork,
    .facts = {.placed = false, .carriesDisk = false, .renamable = false, .adoptable = true, .restarts = "",
              .dataLost = nothingLost},
};

}  // namespace vdc
