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

bool isHostOf(const Cidr& cidr, Ipv4 ip) {
  return cidr.contains(ip) && ip.value >= cidr.firstHost().value && ip.value <= cidr.lastHost().value;
}

}  // namespace vdc
