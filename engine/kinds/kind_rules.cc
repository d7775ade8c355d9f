#include "engine/kinds/kind_rules.h"

namespace vdc {

extern const KindRules kVirtualDataCenterRules, kNetworkRules, kSecurityGroupRules, kImageRules, kKeyPairRules,
    kVolumeRules, kInstanceRules, kLoadBalancerRules;

const KindRules& rulesOf(Kind kind) {
  switch (kind) {
    case Kind::VirtualDataCenter: return kVirtualDataCenterRules;
    case Kind::Network: return kNetworkRules;
    case Kind::SecurityGroup: return kSecurityGroupRules;
    case Kind::Image: return kImageRules;
    case Kind::KeyPair: return kKeyPairRules;
    case Kind::Volume: return kVolumeRules;
    case Kind::Instance: return kInstanceRules;
    case Kind::LoadBalancer: return kLoadBalancerRules;
  }
  throw Error("no rules for kind " + std::to_string(static_cast<int>(kind)));
}

// Each fact is said by every kind (engine.kinds): value() never throws for a kind that passed it.
bool placedOnHost(Kind kind) { return rulesOf(kind).facts.placed.value(); }
bool carriesDisk(Kind kind) { return rulesOf(kind).facts.carriesDisk.value(); }
bool isRenamable(Kind kind) { return rulesOf(kind).facts.renamable.value(); }
bool isAdoptable(Kind kind) { return rulesOf(kind).facts.adoptable.value(); }
std::string restartsWhat(Kind kind) { return rulesOf(kind).facts.restarts.value(); }
std::string dataLostBy(Kind kind, const Json& before) { return rulesOf(kind).facts.dataLost(before); }

bool isHostOf(const Cidr& cidr, Ipv4 ip) {
  return cidr.contains(ip) && ip.value >= cidr.firstHost().value && ip.value <= cidr.lastHost().value;
}

}  // namespace vdc
