#include "providers/ovs/flows.h"

#include <gtest/gtest.h>

#include "engine/test_support.h"

namespace vdc::ovs {

namespace {

std::vector<GroupSpec> webshopGroups() {
  return {{"web", {{"members", {"10.0.0.2", "10.0.0.3"}},
                   {"ingress", {{{"protocol", "tcp"}, {"ports", "80"}, {"from", "0.0.0.0/0"}}}},
                   {"egress", Json::array()}}},
          {"db", {{"members", {"10.0.0.9"}},
                  {"ingress", {{{"protocol", "tcp"}, {"ports", "5432"}, {"from", "web"},
                                {"addresses", {"10.0.0.2", "10.0.0.3"}}}}},
                  {"egress", {{{"protocol", "udp"}, {"ports", "53"}, {"to", "10.0.0.1/32"}}}}}}};
}

}  // namespace

TEST(Flows, PortRangesBecomeAlignedBlocks) {
  EXPECT_EQ(portMatches("22"), (std::vector<std::string>{"22"}));
  EXPECT_EQ(portMatches("8000-8003"), (std::vector<std::string>{"0x1f40/0xfffc"}));
  EXPECT_EQ(portMatches("7999-8001"), (std::vector<std::string>{"7999", "0x1f40/0xfffe"}));
  EXPECT_EQ(portMatches("0-65535"), (std::vector<std::string>{"0x0/0x0"}));
}

TEST(Flows, GroupsBecomeConntrackedRules) {
  std::string flows = securityFlows(webshopGroups(), *Cidr::parse("10.0.0.0/24"));
  // Members of web reach each other; anyone reaches web on 80.
  EXPECT_NE(flows.find("table=4,priority=100,ip,reg0=0x1/0x1,nw_dst=10.0.0.2,actions=ct(commit),NORMAL"),
            std::string::npos) << flows;
  EXPECT_NE(flows.find("table=4,priority=100,ip,nw_dst=10.0.0.2,tcp,tp_dst=80,actions=ct(commit),NORMAL"),
            std::string::npos) << flows;
  // db admits web's members on 5432, by their group mark.
  EXPECT_NE(flows.find("table=4,priority=100,ip,reg0=0x1/0x1,nw_dst=10.0.0.9,tcp,tp_dst=5432"), std::string::npos)
      << flows;
  EXPECT_NE(flows.find("table=3,priority=100,ip,nw_src=10.0.0.2,actions=load:0x1->NXM_NX_REG0[]"), std::string::npos);
  // db may only open DNS to the gateway.
  EXPECT_NE(flows.find("table=2,priority=100,ip,nw_src=10.0.0.9,nw_dst=10.0.0.1/32,udp,tp_dst=53"), std::string::npos);
  EXPECT_NE(flows.find("table=2,priority=50,ip,nw_src=10.0.0.9,actions=drop"), std::string::npos);
  // A group's members admit nothing else; an address in no group is not filtered.
  for (const char* member : {"10.0.0.2", "10.0.0.3", "10.0.0.9"})
    EXPECT_NE(flows.find("table=4,priority=50,ip,nw_dst=" + std::string(member) + ",actions=drop"), std::string::npos)
        << member;
  EXPECT_EQ(flows.find("nw_dst=10.0.0.5"), std::string::npos);
  EXPECT_EQ(flows.find("nw_dst=10.0.0.0/25"), std::string::npos);
}

// Open vSwitch's own parser takes every flow (no switch needed to check).
TEST(Flows, OvsOfctlParsesThem) {
  testing::TempDir dir;
  dir.write("flows", securityFlows(webshopGroups(), *Cidr::parse("10.0.0.0/24")));
  std::string command = "ovs-ofctl -O OpenFlow13 parse-flows " + (dir.path() / "flows").string() + " >/dev/null";
  EXPECT_EQ(std::system(command.c_str()), 0);
}

TEST(Flows, MoreGroupsThanMarkBitsIsAnError) {
  std::vector<GroupSpec> many;
  for (int i = 0; i < 33; ++i) many.push_back({"g" + std::to_string(i), Json::object()});
  EXPECT_THROW(securityFlows(many, *Cidr::parse("10.0.0.0/24")), Error);
}

}  // namespace vdc::ovs
