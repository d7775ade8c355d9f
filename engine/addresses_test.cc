#include <gtest/gtest.h>

#include "engine/addresses.h"
#include "engine/hash.h"
#include "engine/test_support.h"

namespace vdc {

namespace {

const char* kNetwork = R"(apiVersion: vdc/v1
kind: Network
metadata: {name: net}
spec: {cidr: 10.0.0.0/28}
)";

std::string instance(const std::string& name, const std::string& nic = "{network: net}") {
  return "---\napiVersion: vdc/v1\nkind: Instance\nmetadata: {name: " + name + "}\nspec: {interfaces: [" + nic +
         "]}\n";
}

Vdc load(const std::string& yaml) {
  Diagnostics diags;
  Vdc vdc = testing::loadYaml(yaml, diags);
  EXPECT_TRUE(diags.empty()) << diags.str();
  return vdc;
}

std::string ipOf(const Vdc& vdc, const std::string& name, size_t nic = 0) {
  const Resource* r = vdc.find({Kind::Instance, name});
  return r ? r->spec["interfaces"][nic].value("ip", "") : "";
}

// What the target records for an instance that was applied with `ip`.
void recordLive(LiveState& live, const std::string& name, const std::string& ip) {
  Json spec = {{"interfaces", {{{"network", "net"}, {"ip", ip}, {"securityGroups", Json::array()}}}}};
  live.add({{Kind::Instance, name}, "test." + name, canonicalHash(spec), spec, Json::object()});
}

}  // namespace

// A /28 has hosts .1-.14: the gateway is .1, planned addresses are .2-.7, DHCP hands out .8-.14.
TEST(Addresses, NewNicsTakeTheLowestFreeAddressesInOrder) {
  Vdc vdc = load(std::string(kNetwork) + instance("b") + instance("a") + instance("c", "{network: net, ip: 10.0.0.3}"));
  Diagnostics problems;
  planAddresses(vdc, LiveState{}, problems);
  EXPECT_TRUE(problems.empty()) << problems.str();
  EXPECT_EQ(ipOf(vdc, "a"), "10.0.0.2");
  EXPECT_EQ(ipOf(vdc, "b"), "10.0.0.4");  // .3 is fixed
  EXPECT_EQ(ipOf(vdc, "c"), "10.0.0.3");
  const Resource* a = vdc.find({Kind::Instance, "a"});
  EXPECT_EQ(a->specHash, canonicalHash(a->spec));
}

TEST(Addresses, ANicKeepsTheAddressTheTargetRecords) {
  Vdc vdc = load(std::string(kNetwork) + instance("a") + instance("b"));
  LiveState live;
  recordLive(live, "b", "10.0.0.6");
  recordLive(live, "gone", "10.0.0.2");  // being deleted: its address is not given out in the same apply
  Diagnostics problems;
  planAddresses(vdc, live, problems);
  EXPECT_EQ(ipOf(vdc, "b"), "10.0.0.6");
  EXPECT_EQ(ipOf(vdc, "a"), "10.0.0.3");
}

TEST(Addresses, ARecordedAddressOutsideTheNetworksSubnetIsPlannedAgain) {
  // The network was 10.9.0.0/28 when the instances were made; a lone
  // recorded address in its DHCP half is not kept either.
  Vdc vdc = load(std::string(kNetwork) + instance("a") + instance("b") +
                 "---\napiVersion: vdc/v1\nkind: LoadBalancer\nmetadata: {name: front}\nspec: {network: net, "
                 "listeners: [{port: 80}], backends: {selector: {tier: web}}}\n");
  LiveState live;
  recordLive(live, "a", "10.9.0.2");
  recordLive(live, "b", "10.0.0.9");
  Json appliance = {{"network", "net"}, {"address", "10.9.0.3"}};
  live.add({{Kind::LoadBalancer, "front"}, "test.lb.front", canonicalHash(appliance), appliance, Json::object()});
  Diagnostics problems;
  planAddresses(vdc, live, problems);
  EXPECT_TRUE(problems.empty()) << problems.str();
  EXPECT_EQ(ipOf(vdc, "a"), "10.0.0.2");
  EXPECT_EQ(ipOf(vdc, "b"), "10.0.0.3");
  EXPECT_EQ(vdc.find({Kind::LoadBalancer, "front"})->spec["address"], "10.0.0.4");
}

TEST(Addresses, AFixedAddressTakesPrecedenceOverARecordedOne) {
  Vdc vdc = load(std::string(kNetwork) + instance("a", "{network: net, ip: 10.0.0.2}") + instance("b"));
  LiveState live;
  recordLive(live, "b", "10.0.0.2");
  Diagnostics problems;
  planAddresses(vdc, live, problems);
  EXPECT_EQ(ipOf(vdc, "a"), "10.0.0.2");
  EXPECT_EQ(ipOf(vdc, "b"), "10.0.0.3");
}

TEST(Addresses, ANetworkWithNoFreeAddressIsAProblem) {
  std::string yaml = kNetwork;
  for (int i = 0; i < 7; ++i) yaml += instance("i" + std::to_string(i));
  Vdc vdc = load(yaml);
  Diagnostics problems;
  planAddresses(vdc, LiveState{}, problems);
  ASSERT_EQ(problems.size(), 1u) << problems.str();
  EXPECT_NE(problems.str().find("network 'net' has no free address left for Instance/i6"), std::string::npos)
      << problems.str();
  EXPECT_EQ(ipOf(vdc, "i5"), "10.0.0.7");
}

TEST(Addresses, SecurityGroupsLearnTheAddressesOfTheirMembers) {
  std::string groups = R"(---
apiVersion: vdc/v1
kind: SecurityGroup
metadata: {name: web}
spec: {}
---
apiVersion: vdc/v1
kind: SecurityGroup
metadata: {name: db}
spec: {ingress: [{protocol: tcp, ports: "5432", from: web}, {protocol: tcp, ports: "22", from: 10.9.0.0/16}]}
)";
  Vdc vdc = load(std::string(kNetwork) + groups + instance("w1", "{network: net, securityGroups: [web]}") +
                 instance("w2", "{network: net, securityGroups: [web]}") +
                 instance("d", "{network: net, ip: 10.0.0.7, securityGroups: [db]}"));
  Diagnostics problems;
  planAddresses(vdc, LiveState{}, problems);
  const Resource* web = vdc.find({Kind::SecurityGroup, "web"});
  const Resource* db = vdc.find({Kind::SecurityGroup, "db"});
  EXPECT_EQ(web->spec["members"], Json({"10.0.0.2", "10.0.0.3"}));
  EXPECT_EQ(db->spec["members"], Json({"10.0.0.7"}));
  EXPECT_EQ(db->spec["ingress"][0]["addresses"], Json({"10.0.0.2", "10.0.0.3"}));
  EXPECT_FALSE(db->spec["ingress"][1].contains("addresses"));  // a CIDR peer is its own address
  EXPECT_EQ(db->specHash, canonicalHash(db->spec));
}

TEST(Addresses, ARulesPeerIsItsGroupsAddressesOrItsCidr) {
  Json group = {{"protocol", "tcp"}, {"from", "web"}, {"addresses", {"10.0.0.2", "10.0.0.3"}}};
  auto peers = ruleAddresses(group, "from");
  ASSERT_EQ(peers.size(), 2u);
  EXPECT_EQ(peers[1].str(), "10.0.0.3/32");
  EXPECT_EQ(ruleAddresses({{"to", "10.1.0.0/16"}}, "to").front().str(), "10.1.0.0/16");
  EXPECT_EQ(ruleAddresses({{"from", "10.1.0.7"}}, "from").front().str(), "10.1.0.7/32");
  EXPECT_EQ(ruleAddresses({{"protocol", "any"}}, "from").front().prefix, 0);  // anyone
}

}  // namespace vdc

namespace vdc {

TEST(Addresses, ALoadBalancerGetsAnAddressAndItsBackendsTheirs) {
  std::string other = "---\napiVersion: vdc/v1\nkind: Network\nmetadata: {name: other}\nspec: {cidr: 10.1.0.0/24}\n";
  std::string lb =
      "---\napiVersion: vdc/v1\nkind: LoadBalancer\nmetadata: {name: front}\nspec: {network: net, listeners: "
      "[{port: 80, backendPort: 8080}], backends: {selector: {tier: web}}}\n";
  auto web = [](const std::string& name, const std::string& nics) {
    return "---\napiVersion: vdc/v1\nkind: Instance\nmetadata: {name: " + name +
           ", labels: {tier: web}}\nspec: {interfaces: [" + nics + "]}\n";
  };
  Vdc vdc = load(std::string(kNetwork) + other + web("a", "{network: other}, {network: net}") +
                 web("b", "{network: other}") + lb);
  Diagnostics problems;
  planAddresses(vdc, LiveState{}, problems);
  EXPECT_TRUE(problems.empty()) << problems.str();
  const Resource* front = vdc.find({Kind::LoadBalancer, "front"});
  ASSERT_NE(front, nullptr);
  EXPECT_EQ(front->spec["address"], "10.0.0.3");  // after a's NIC on net
  // a's NIC on the load balancer's network; b has none there: its first NIC.
  EXPECT_EQ(front->spec["backends"]["addresses"], Json({"10.0.0.2", "10.1.0.3"}));
  EXPECT_EQ(front->specHash, canonicalHash(front->spec));

  // The appliance keeps its recorded address, and no instance is given it.
  LiveState live;
  Json recorded = front->spec;
  recorded["address"] = "10.0.0.6";
  live.add({front->id, "test.lb.front", canonicalHash(recorded), recorded, Json::object()});
  Vdc again = load(std::string(kNetwork) + other + web("a", "{network: other}, {network: net}") +
                   web("b", "{network: other}") + web("c", "{network: net}, {network: net}, {network: net}, {network: net}") + lb);
  planAddresses(again, live, problems);
  EXPECT_EQ(again.find({Kind::LoadBalancer, "front"})->spec["address"], "10.0.0.6");
  EXPECT_TRUE(problems.empty()) << problems.str();
  EXPECT_EQ(ipOf(again, "c", 3), "10.0.0.7");  // .2 a, .3-.5 and .7 c: .6 is the appliance's
}

}  // namespace vdc
