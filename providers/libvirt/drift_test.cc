// Objects changed by hand on a libvirt host (libvirt's test driver, in
// process): each shows as drift when read, and what the plan then does
// repairs it.
#include <gtest/gtest.h>

#include "engine/test_support.h"
#include "providers/libvirt/datacenter.h"
#include "providers/libvirt/ownership.h"

namespace vdc::libvirt {

namespace {

Ownership owner(Kind kind, const std::string& name, Json spec) {
  return Ownership{"shop", {kind, name}, "hash-" + name, std::move(spec)};
}

Json networkSpec() {
  return {{"cidr", "10.0.0.0/24"}, {"mode", "nat"}, {"dhcp", true}, {"gateway", "10.0.0.1"}, {"mtu", 1500}};
}

Json volumeSpec() { return {{"size", "2GiB"}, {"storageClass", "standard"}}; }

Json instanceSpec() {
  return {{"cpus", 1},          {"memory", "1GiB"},          {"hypervisor", "kvm"},          {"image", "base"},
          {"state", "running"}, {"keyPairs", Json::array()}, {"dependsOn", Json::array()},
          {"interfaces", {{{"network", "net"}}}},             {"volumes", {{{"volume", "data"}}}}};
}

// The embedded datacenter with its connection in reach, as a person with
// virsh on the host has it.
class HandsOnDatacenter : public EmbeddedDatacenter {
 public:
  using EmbeddedDatacenter::EmbeddedDatacenter;
  virConnectPtr connection() { return host_.connection(); }
};

class Drift : public ::testing::Test {
 protected:
  void SetUp() override {
    dc.emplace((dir.path() / "sim.xml").string());
    dc->providerFor(Kind::VirtualDataCenter).create(owner(Kind::VirtualDataCenter, "shop", {{"description", ""}}));
    dc->providerFor(Kind::Network).create(owner(Kind::Network, "net", networkSpec()));
    dc->providerFor(Kind::Image).create(owner(Kind::Image, "base", {{"source", "/nonexistent.qcow2"}, {"format", "qcow2"}}));
    dc->providerFor(Kind::Volume).create(owner(Kind::Volume, "data", volumeSpec()));
    dc->providerFor(Kind::Instance).create(owner(Kind::Instance, "web", instanceSpec()));
    dc->commit();
  }

  void deleteVolume(const std::string& name) {
    PoolHandle pool(virStoragePoolLookupByName(dc->connection(), "standard"));
    ASSERT_TRUE(pool);
    VolumeHandle volume(virStorageVolLookupByName(pool.get(), name.c_str()));
    ASSERT_TRUE(volume) << name;
    ASSERT_EQ(virStorageVolDelete(volume.get(), 0), 0) << name;
  }

  testing::TempDir dir;
  std::optional<HandsOnDatacenter> dc;
};

}  // namespace

TEST_F(Drift, ANetworkStoppedByHandShowsInactiveAndItsUpdateStartsIt) {
  NetworkHandle net(virNetworkLookupByName(dc->connection(), "shop.net"));
  ASSERT_TRUE(net);
  ASSERT_EQ(virNetworkDestroy(net.get()), 0);

  LiveState live = dc->read("shop");
  const LiveObject* stopped = live.find({Kind::Network, "net"});
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->observed.value("hostState", ""), "inactive");
  EXPECT_FALSE(stopped->matches(networkSpec()));

  dc->providerFor(Kind::Network).update(owner(Kind::Network, "net", networkSpec()), *stopped);
  LiveState after = dc->read("shop");
  EXPECT_FALSE(after.find({Kind::Network, "net"})->observed.contains("hostState"));
  EXPECT_TRUE(after.find({Kind::Network, "net"})->matches(networkSpec()));
}

TEST_F(Drift, AStoppedPoolLeavesItsDisksInPlaceAndItsVolumesUpdateStartsIt) {
  PoolHandle pool(virStoragePoolLookupByName(dc->connection(), "standard"));
  ASSERT_TRUE(pool);
  ASSERT_EQ(virStoragePoolDestroy(pool.get()), 0);

  LiveState live = dc->read("shop");
  const LiveObject* data = live.find({Kind::Volume, "data"});
  ASSERT_TRUE(data);
  EXPECT_EQ(data->observed.value("hostState", ""), "pool 'standard' inactive");
  EXPECT_FALSE(live.isMissing({Kind::Volume, "data"}));
  // The instance's root disk is unseen, not gone: no replacement.
  EXPECT_EQ(live.find({Kind::Instance, "web"})->observed["image"], "base");

  dc->providerFor(Kind::Volume).update(owner(Kind::Volume, "data", volumeSpec()), *data);
  EXPECT_EQ(virStoragePoolIsActive(pool.get()), 1);
  LiveState after = dc->read("shop");
  EXPECT_TRUE(after.find({Kind::Volume, "data"})->matches(volumeSpec()));
}

TEST_F(Drift, ADomainDeletedByHandWithItsDisksIsMissingNotForgotten) {
  DomainHandle domain(virDomainLookupByName(dc->connection(), "shop.web"));
  ASSERT_TRUE(domain);
  ASSERT_EQ(virDomainDestroy(domain.get()), 0);
  ASSERT_EQ(virDomainUndefine(domain.get()), 0);
  deleteVolume("shop.root.web");

  LiveState live = dc->read("shop");
  EXPECT_FALSE(live.find({Kind::Instance, "web"}));
  EXPECT_TRUE(live.isMissing({Kind::Instance, "web"}));
}

// With its pool stopped, a deleted domain's disks are unseen, not gone: the
// instance is what is left of it, to make anew, never a create that would
// meet its own disks once the pool starts.
TEST_F(Drift, ADomainDeletedByHandWhileItsPoolIsStoppedLeavesItsDisks) {
  DomainHandle domain(virDomainLookupByName(dc->connection(), "shop.web"));
  ASSERT_TRUE(domain);
  ASSERT_EQ(virDomainDestroy(domain.get()), 0);
  ASSERT_EQ(virDomainUndefine(domain.get()), 0);
  PoolHandle pool(virStoragePoolLookupByName(dc->connection(), "standard"));
  ASSERT_EQ(virStoragePoolDestroy(pool.get()), 0);

  LiveState live = dc->read("shop");
  EXPECT_FALSE(live.isMissing({Kind::Instance, "web"}));
  const LiveObject* web = live.find({Kind::Instance, "web"});
  ASSERT_TRUE(web);
  EXPECT_TRUE(web->orphaned);
  EXPECT_EQ(web->observed.value("state", ""), "absent");
}

TEST_F(Drift, AVolumeDeletedByHandIsMissingNotForgotten) {
  deleteVolume("shop.vol.data");
  LiveState live = dc->read("shop");
  EXPECT_FALSE(live.find({Kind::Volume, "data"}));
  EXPECT_TRUE(live.isMissing({Kind::Volume, "data"}));
  EXPECT_FALSE(live.isMissing({Kind::Image, "base"}));
}

TEST_F(Drift, ANetworksBridgeIsNamedByVdcAndAStrangersInterfaceOfThatNameIsRefused) {
  std::string bridge = networkBridgeName("shop", "other");
  EXPECT_LE(bridge.size(), 15u);
  EXPECT_EQ(bridge, networkBridgeName("shop", "other"));
  EXPECT_NE(bridge, networkBridgeName("shop", "net"));
  EXPECT_NE(bridge, networkBridgeName("shop2", "other"));
  NetworkHandle net(virNetworkLookupByName(dc->connection(), "shop.net"));
  CString used(virNetworkGetBridgeName(net.get()));
  ASSERT_TRUE(used);
  EXPECT_EQ(std::string(used.get()), networkBridgeName("shop", "net"));

  std::string xml = "<interface type='bridge' name='" + bridge + "'><start mode='onboot'/>"
                    "<bridge stp='off'><interface type='ethernet' name='eth9'/></bridge></interface>";
  InterfaceHandle stranger(virInterfaceDefineXML(dc->connection(), xml.c_str(), 0));
  ASSERT_TRUE(stranger);
  ASSERT_EQ(virInterfaceCreate(stranger.get(), 0), 0);

  Vdc desired;
  desired.name = "shop";
  desired.resources.push_back(Resource{{Kind::Network, "net"}});
  desired.resources.push_back(Resource{{Kind::Network, "other"}});
  desired.resources.back().where = Location{"net.yaml", 3, 1};
  Diagnostics problems;
  dynamic_cast<LibvirtSwitch&>(dc->providerFor(Kind::Network)).checkBridges(desired, problems);
  ASSERT_EQ(problems.size(), 1u) << problems.str();
  EXPECT_NE(problems.str().find("net.yaml:3:1: Network/other: its bridge '" + bridge + "' is already an interface"),
            std::string::npos)
      << problems.str();
}

}  // namespace vdc::libvirt
