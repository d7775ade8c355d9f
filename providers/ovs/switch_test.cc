// The Open vSwitch switch against a scratch ovsdb-server: what it writes is
// what it reads back, and what it removes is gone.
#include "providers/ovs/switch.h"

#include <gtest/gtest.h>

#include "providers/ovs/test_server.h"

namespace vdc::ovs {

namespace {

Ownership network(const std::string& name, Json spec) {
  return {"shop", {Kind::Network, name}, "hash-" + name, std::move(spec)};
}

Json bridgeRows(Ovsdb& db) {
  return db.transact(Json::array({Json{{"op", "select"},
                                       {"table", "Bridge"},
                                       {"where", Json::array()},
                                       {"columns", Json::array({"name", "datapath_type"})}}}))[0]["rows"];
}

}  // namespace

TEST(OvsNames, BridgeNamesFitLinuxAndDifferPerVdcAndNetwork) {
  EXPECT_EQ(bridgeName("shop", "front").size(), 11u);
  EXPECT_NE(bridgeName("shop", "front"), bridgeName("shop", "back"));
  EXPECT_NE(bridgeName("shop", "front"), bridgeName("blog", "front"));
}

TEST_F(OvsdbServer, ANetworkIsABridgeWithItsRecord) {
  OvsSwitch ovs({"unix:" + socket, "netdev", false});
  Json spec = {{"cidr", "10.0.0.0/24"}, {"mode", "isolated"}, {"dhcp", true}, {"gateway", "10.0.0.1"}, {"mtu", 1400}};
  ovs.create(network("front", spec));
  Ovsdb db(socket);
  Json rows = bridgeRows(db);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["name"], bridgeName("shop", "front"));
  EXPECT_EQ(rows[0]["datapath_type"], "netdev");

  LiveState live;
  ovs.read("shop", live);
  const LiveObject* read = live.find({Kind::Network, "front"});
  ASSERT_TRUE(read);
  EXPECT_EQ(read->physicalName, bridgeName("shop", "front"));
  EXPECT_EQ(read->specHash, "hash-front");
  EXPECT_EQ(read->effective(), spec);
  EXPECT_EQ(ovs.networkSpec("shop", "front"), spec);
  LiveState other;
  ovs.read("blog", other);
  EXPECT_TRUE(other.objects().empty());  // another VDC's view

  Json changed = spec;
  changed["mtu"] = 9000;
  ovs.update(network("front", changed), *read);
  LiveState after;
  ovs.read("shop", after);
  EXPECT_EQ(after.find({Kind::Network, "front"})->effective(), changed);

  ovs.remove("shop", *after.find({Kind::Network, "front"}));
  EXPECT_TRUE(bridgeRows(db).empty());
  ovs.remove("shop", *after.find({Kind::Network, "front"}));  // already gone: nothing to do
}

// A record copied onto another bridge proves nothing: a bridge that is not
// named as vdc names the network is foreign, read but never touched.
TEST_F(OvsdbServer, ARecordOnABridgeOfAnotherNameIsForeign) {
  OvsSwitch ovs({"unix:" + socket, "netdev", false});
  ovs.create(network("front", {{"cidr", "10.0.0.0/24"}}));
  Ovsdb db(socket);
  Json ids = db.transact(Json::array({Json{{"op", "select"},
                                           {"table", "Bridge"},
                                           {"where", Json::array()},
                                           {"columns", Json::array({"external_ids"})}}}))[0]["rows"][0]["external_ids"];
  // The same record on a bridge of another name (and the real one gone).
  LiveState before;
  ovs.read("shop", before);
  ovs.remove("shop", *before.find({Kind::Network, "front"}));
  db.transact(Json::array(
      {Json{{"op", "insert"}, {"table", "Bridge"}, {"row", {{"name", "br-prod"}, {"external_ids", ids}}}, {"uuid-name", "prod"}},
       Json{{"op", "mutate"},
            {"table", "Open_vSwitch"},
            {"where", Json::array()},
            {"mutations", Json::array({Json::array({"bridges", "insert", Json::array({"named-uuid", "prod"})})})}}}));
  LiveState live;
  ovs.read("shop", live);
  EXPECT_FALSE(live.find({Kind::Network, "front"}));
  ASSERT_TRUE(live.findForeign({Kind::Network, "front"}));
  EXPECT_EQ(live.findForeign({Kind::Network, "front"})->physicalName, "br-prod");
}

TEST_F(OvsdbServer, AnotherVdcsBridgesAreSeenAsNeighbours) {
  OvsSwitch ovs({"unix:" + socket, "netdev", false});
  ovs.create({"blog", {Kind::Network, "posts"}, "hash", {{"cidr", "10.5.0.0/16"}}});
  ovs.create(network("front", {{"cidr", "10.0.0.0/24"}}));
  LiveState live;
  ovs.read("shop", live);
  ASSERT_EQ(live.neighbours().size(), 1u);
  EXPECT_EQ(live.neighbours()[0].vdc, "blog");
  EXPECT_EQ(live.neighbours()[0].name, "posts");
  EXPECT_EQ(live.neighbours()[0].cidr, "10.5.0.0/16");
}

TEST_F(OvsdbServer, NatIsRefusedBeforeAnythingIsWritten) {
  OvsSwitch ovs({"unix:" + socket, "netdev", false});  // a database, no switch behind it
  EXPECT_THROW(ovs.create(network("out", {{"cidr", "10.0.0.0/24"}, {"mode", "nat"}})), Error);
  Ovsdb db(socket);
  EXPECT_TRUE(bridgeRows(db).empty());
}

TEST_F(OvsdbServer, SecurityGroupRecordsLiveInTheRootRow) {
  OvsSwitch ovs({"unix:" + socket, "netdev", false});  // a database, no switch behind it
  Ownership web{"shop", {Kind::SecurityGroup, "web"}, "h1", {{"ingress", Json::array()}, {"members", {"10.0.0.2"}}}};
  ovs.create(web);
  web.spec["members"] = Json::array({"10.0.0.2", "10.0.0.3"});
  web.specHash = "h2";
  LiveState live;
  ovs.read("shop", live);
  ASSERT_TRUE(live.find({Kind::SecurityGroup, "web"}));
  ovs.update(web, *live.find({Kind::SecurityGroup, "web"}));
  LiveState after;
  ovs.read("shop", after);
  EXPECT_EQ(after.find({Kind::SecurityGroup, "web"})->specHash, "h2");
  EXPECT_EQ(after.find({Kind::SecurityGroup, "web"})->effective(), web.spec);
  ovs.remove("shop", *after.find({Kind::SecurityGroup, "web"}));
  LiveState gone;
  ovs.read("shop", gone);
  EXPECT_FALSE(gone.find({Kind::SecurityGroup, "web"}));
}

}  // namespace vdc::ovs
