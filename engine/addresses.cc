#include "engine/addresses.h"

#include <algorithm>
#include <map>
#include <set>

#include "engine/hash.h"
#include "engine/rename.h"
#include "engine/units.h"

namespace vdc {

namespace {

struct Pool {
  Cidr cidr;
  uint32_t first = 0, last = 0;  // the range planned addresses come from
  std::set<uint32_t> used;
  uint32_t next = 0;             // no free address below it

  // Whether `ip` is one this network plans: a recorded address outside
  // it (the network was made anew on another subnet) is planned again.
  bool plans(Ipv4 ip) const { return ip.value >= first && ip.value <= last; }

  std::optional<Ipv4> take() {
    for (next = std::max(next, first); next <= last; ++next)
      if (used.insert(next).second) return Ipv4{next++};
    return std::nullopt;
  }
};

// The recorded address of NIC `index` of a live instance, if it is on `network`.
std::optional<Ipv4> recordedAddress(const LiveObject* live, size_t index, const std::string& network) {
  if (!live) return std::nullopt;
  const Json& nics = member(live->recorded, "interfaces");
  if (!nics.is_array() || index >= nics.size()) return std::nullopt;
  const Json& nic = nics[index];
  if (!nic.is_object() || nic.value("network", "") != network || !nic.contains("ip") || !nic["ip"].is_string())
    return std::nullopt;
  return Ipv4::parse(nic["ip"].get<std::string>());
}

// The address a live load balancer's appliance was given.
std::optional<Ipv4> recordedApplianceAddress(const LiveObject* live) {
  if (!live || !live->recorded.is_object() || !live->recorded.contains("address")) return std::nullopt;
  return Ipv4::parse(live->recorded.value("address", ""));
}

// A load balancer's appliance gets an address of its network, as a NIC
// does (its recorded one first); its backends are its members' addresses:
// each member's NIC on that network, or else its first NIC. A change of
// members or of their addresses is an update of the load balancer.
void addressLoadBalancers(Vdc& desired, const LiveState& live, const Renames& renames, std::map<std::string, Pool>& pools,
                          const std::set<std::pair<std::string, uint32_t>>& fixed, Diagnostics& problems) {
  std::map<std::string, const Resource*> instances;
  for (const auto& r : desired.resources)
    if (r.id.kind == Kind::Instance) instances[r.id.name] = &r;
  for (auto& r : desired.resources) {
    if (r.id.kind != Kind::LoadBalancer) continue;
    std::string network = r.spec.value("network", "");
    auto pool = pools.find(network);
    const LiveObject* object = liveObjectOf(r, live, renames);
    auto ip = object && object->recorded.value("network", "") == network ? recordedApplianceAddress(object)
                                                                           : std::nullopt;
    if (ip && (fixed.count({network, ip->value}) || (pool != pools.end() && !pool->second.plans(*ip)))) ip.reset();
    if (!ip && pool != pools.end()) ip = pool->second.take();
    if (ip) r.spec["address"] = ip->str();
    else if (pool != pools.end())
      problems.add(r.where, "network '" + network + "' has no free address left for " + r.id.str());
    Json addresses = Json::array();
    for (const auto& name : member(member(r.spec, "backends"), "members")) {
      auto instance = instances.find(name.get<std::string>());
      if (instance == instances.end()) continue;
      const Json& nics = member(instance->second->spec, "interfaces");
      auto onNetwork = std::find_if(nics.begin(), nics.end(),
                                    [&](const Json& nic) { return nic.value("network", "") == network; });
      const Json* chosen = onNetwork != nics.end() ? &*onNetwork : nics.empty() ? nullptr : &nics[0];
      if (chosen && chosen->contains("ip")) addresses.push_back((*chosen)["ip"]);
    }
    if (r.spec.contains("backends")) r.spec["backends"]["addresses"] = addresses;
    r.specHash = canonicalHash(r.spec);
  }
}

// A security group's members are the planned addresses of the NICs that
// name it; a rule whose peer is a group gets that group's members. The
// switch enforces addresses, and the plan shows a change of membership as
// an update of every group it touches.
// Each rule that names a group lists all its members: many rules naming big
// groups would multiply into more addresses than any switch holds, so the
// lists are counted before they are made.
constexpr size_t kMaxGroupAddresses = 200'000;

void addressSecurityGroups(Vdc& desired, Diagnostics& problems) {
  std::map<std::string, std::set<uint32_t>> members;  // numeric order reads best
  for (const auto& r : desired.resources) {
    if (r.id.kind != Kind::Instance) continue;
    for (const auto& nic : member(r.spec, "interfaces")) {
      auto ip = Ipv4::parse(nic.value("ip", ""));
      if (!ip) continue;
      for (const auto& group : member(nic, "securityGroups")) members[group.get<std::string>()].insert(ip->value);
    }
  }
  auto addressesOf = [&](const std::string& group) {
    Json list = Json::array();
    for (uint32_t ip : members[group]) list.push_back(Ipv4{ip}.str());
    return list;
  };
  size_t listed = 0;
  for (const auto& r : desired.resources) {
    if (r.id.kind != Kind::SecurityGroup) continue;
    listed += members[r.id.name].size();
    for (auto [direction, peer] : {std::pair{"ingress", "from"}, std::pair{"egress", "to"}})
      for (const auto& rule : member(r.spec, direction)) {
        std::string other = rule.value(peer, "");
        if (!other.empty() && !Cidr::parse(other) && !Ipv4::parse(other))
          if (auto it = members.find(other); it != members.end()) listed += it->second.size();
      }
    if (listed > kMaxGroupAddresses) {
      problems.add(r.where, "security groups' rules would list more than " + std::to_string(kMaxGroupAddresses) +
                                " member addresses (a rule lists every member of the group it names): name CIDRs, "
                                "or fewer groups in rules");
      return;
    }
  }
  for (auto& r : desired.resources) {
    if (r.id.kind != Kind::SecurityGroup) continue;
    r.spec["members"] = addressesOf(r.id.name);
    for (auto [direction, peer] : {std::pair{"ingress", "from"}, std::pair{"egress", "to"}}) {
      if (!r.spec.contains(direction)) continue;
      for (auto& rule : r.spec[direction]) {
        std::string other = rule.value(peer, "");
        if (!other.empty() && !Cidr::parse(other) && !Ipv4::parse(other)) rule["addresses"] = addressesOf(other);
      }
    }
    r.specHash = canonicalHash(r.spec);
  }
}

}  // namespace

std::vector<Cidr> ruleAddresses(const Json& rule, const char* peer) {
  std::vector<Cidr> out;
  if (rule.contains("addresses")) {
    for (const auto& ip : rule["addresses"])
      if (auto address = Ipv4::parse(ip.get<std::string>())) out.push_back({*address, 32});
    return out;
  }
  std::string text = rule.value(peer, "0.0.0.0/0");
  if (auto cidr = Cidr::parse(text)) out.push_back(*cidr);
  else if (auto ip = Ipv4::parse(text)) out.push_back({*ip, 32});
  return out;
}

void planAddresses(Vdc& desired, const LiveState& live, Diagnostics& problems) {
  Renames renames = pendingRenames(desired, live);  // a renamed instance keeps its addresses
  std::map<std::string, Pool> pools;
  for (const auto& r : desired.resources) {
    if (r.id.kind != Kind::Network) continue;
    auto cidr = Cidr::parse(r.spec.value("cidr", ""));
    if (!cidr) continue;
    Pool pool{*cidr};
    pool.first = cidr->firstHost().value;
    pool.last = pool.first + (cidr->lastHost().value - pool.first) / 2;  // as the switches split it
    if (auto gateway = Ipv4::parse(r.spec.value("gateway", cidr->firstHost().str()))) pool.used.insert(gateway->value);
    pools.emplace(r.id.name, pool);
  }
  // Fixed addresses first, then every address the target records: neither is given out again.
  for (const auto& r : desired.resources) {
    if (r.id.kind != Kind::Instance) continue;
    for (const auto& nic : member(r.spec, "interfaces"))
      if (nic.contains("ip") && pools.count(nic.value("network", "")))
        if (auto ip = Ipv4::parse(nic["ip"].get<std::string>())) pools[nic["network"]].used.insert(ip->value);
  }
  std::set<std::pair<std::string, uint32_t>> fixed;
  for (const auto& [network, pool] : pools)
    for (uint32_t ip : pool.used) fixed.insert({network, ip});
  for (const auto& [id, object] : live.objects()) {
    if (id.kind == Kind::LoadBalancer) {
      if (auto ip = recordedApplianceAddress(&object); ip && pools.count(object.recorded.value("network", "")))
        pools[object.recorded["network"]].used.insert(ip->value);
      continue;
    }
    if (id.kind != Kind::Instance) continue;
    const Json& nics = member(object.recorded, "interfaces");
    for (size_t i = 0; nics.is_array() && i < nics.size(); ++i) {
      std::string network = nics[i].is_object() ? nics[i].value("network", "") : "";
      if (auto ip = recordedAddress(&object, i, network); ip && pools.count(network))
        pools[network].used.insert(ip->value);
    }
  }
  // Resources are in a stable order, so the same VDC plans the same addresses.
  for (auto& r : desired.resources) {
    if (r.id.kind != Kind::Instance || !r.spec.contains("interfaces")) continue;
    const LiveObject* object = liveObjectOf(r, live, renames);
    bool changed = false;
    Json& nics = r.spec["interfaces"];
    for (size_t i = 0; i < nics.size(); ++i) {
      Json& nic = nics[i];
      std::string network = nic.value("network", "");
      auto pool = pools.find(network);
      if (nic.contains("ip") || pool == pools.end()) continue;
      // Its recorded address, unless a fixed address now claims it or the network's subnet moved.
      auto ip = recordedAddress(object, i, network);
      if (ip && (fixed.count({network, ip->value}) || !pool->second.plans(*ip))) ip.reset();
      if (!ip) ip = pool->second.take();
      if (!ip) {
        problems.add(r.where, "network '" + network + "' has no free address left for " + r.id.str() + " (" +
                                  pool->second.cidr.str() + ", addresses up to " +
                                  Ipv4{pool->second.last}.str() + " are planned, the rest is its DHCP range)");
        continue;
      }
      nic["ip"] = ip->str();
      changed = true;
    }
    if (changed) r.specHash = canonicalHash(r.spec);
  }
  addressLoadBalancers(desired, live, renames, pools, fixed, problems);
  addressSecurityGroups(desired, problems);
}

}  // namespace vdc
