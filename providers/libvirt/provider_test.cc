// The libvirt providers against libvirt's own test driver, in process.
#include <gtest/gtest.h>

#include "engine/test_support.h"
#include "providers/libvirt/datacenter.h"
#include "providers/libvirt/ownership.h"

namespace vdc::libvirt {

namespace {

Ownership owner(Kind kind, const std::string& name, Json spec) {
  return Ownership{"shop", {kind, name}, "hash-" + name, std::move(spec)};
}

Json networkSpec(const std::string& cidr = "10.0.0.0/24") {
  return {{"cidr", cidr}, {"mode", "nat"}, {"dhcp", true}, {"gateway", "10.0.0.1"}, {"mtu", 1500}};
}

Json instanceSpec() {
  return {{"cpus", 2},          {"memory", "1GiB"},   {"hypervisor", "kvm"},      {"image", "base"},
          {"state", "running"}, {"keyPairs", Json::array()}, {"dependsOn", Json::array()},
          {"interfaces", {{{"network", "net"}, {"securityGroups", {"web"}}}}},
          {"volumes", {{{"volume", "data"}}}}};
}

class Providers : public ::testing::Test {
 protected:
  std::string file() const { return (dir.path() / "sim.xml").string(); }

  // Everything an Instance needs, created through the providers.
  void createBasics(EmbeddedDatacenter& dc) {
    dc.providerFor(Kind::VirtualDataCenter).create(owner(Kind::VirtualDataCenter, "shop", {{"description", ""}}));
    dc.providerFor(Kind::Network).create(owner(Kind::Network, "net", networkSpec()));
    dc.providerFor(Kind::Image).create(owner(Kind::Image, "base", {{"source", "/nonexistent.qcow2"}, {"format", "qcow2"}}));
    dc.providerFor(Kind::Volume).create(owner(Kind::Volume, "data", {{"size", "2GiB"}, {"storageClass", "standard"}}));
  }

  testing::TempDir dir;
};

}  // namespace

TEST_F(Providers, NetworkRoundTripsThroughLibvirt) {
  EmbeddedDatacenter dc(file());
  dc.providerFor(Kind::Network).create(owner(Kind::Network, "net", networkSpec()));
  LiveState live = dc.read("shop");
  const LiveObject* net = live.find({Kind::Network, "net"});
  ASSERT_TRUE(net);
  EXPECT_EQ(net->physicalName, "shop.net");
  EXPECT_EQ(net->observed["cidr"], "10.0.0.0/24");
  EXPECT_EQ(net->observed["gateway"], "10.0.0.1");
  EXPECT_EQ(net->observed["mode"], "nat");
  EXPECT_EQ(net->observed["dhcp"], true);
  EXPECT_EQ(net->observed["mtu"], 1500);
  EXPECT_EQ(net->effective(), networkSpec());

  Json changed = networkSpec();
  changed["mtu"] = 9000;
  changed["dhcp"] = false;
  dc.providerFor(Kind::Network).update(owner(Kind::Network, "net", changed), *net);
  LiveState after = dc.read("shop");
  EXPECT_EQ(after.find({Kind::Network, "net"})->observed["mtu"], 9000);
  EXPECT_EQ(after.find({Kind::Network, "net"})->observed["dhcp"], false);

  dc.providerFor(Kind::Network).remove("shop", *after.find({Kind::Network, "net"}));
  EXPECT_FALSE(dc.read("shop").find({Kind::Network, "net"}));
}

TEST_F(Providers, InstanceIsADomainWithDisksAndNics) {
  EmbeddedDatacenter dc(file());
  createBasics(dc);
  dc.providerFor(Kind::Instance).create(owner(Kind::Instance, "web", instanceSpec()));
  LiveState live = dc.read("shop");
  const LiveObject* web = live.find({Kind::Instance, "web"});
  ASSERT_TRUE(web);
  EXPECT_EQ(web->observed["cpus"], 2);
  EXPECT_EQ(web->observed["memory"], "1GiB");
  EXPECT_EQ(web->observed["state"], "running");
  EXPECT_EQ(web->observed["interfaces"][0]["network"], "net");
  EXPECT_EQ(web->observed["volumes"][0]["volume"], "data");
  EXPECT_EQ(web->effective(), instanceSpec());

  std::string xml = dc.nodeXml();
  EXPECT_NE(xml.find("<source pool='standard' volume='shop.root.web'/>"), std::string::npos);
  EXPECT_NE(xml.find("<source network='shop.net'/>"), std::string::npos);
  EXPECT_NE(xml.find("<backingStore>"), std::string::npos);  // root disk is a child of the image

  Json stopped = instanceSpec();
  stopped["state"] = "stopped";
  dc.providerFor(Kind::Instance).update(owner(Kind::Instance, "web", stopped), *web);
  EXPECT_EQ(dc.read("shop").find({Kind::Instance, "web"})->observed["state"], "stopped");

  dc.providerFor(Kind::Instance).remove("shop", *dc.read("shop").find({Kind::Instance, "web"}));
  EXPECT_FALSE(dc.read("shop").find({Kind::Instance, "web"}));
  EXPECT_EQ(dc.nodeXml().find("shop.root.web"), std::string::npos);
}

TEST_F(Providers, ObjectsWithoutOurRecordAreForeign) {
  std::string node;
  {
    // Closed before the file is opened again: it holds the file's lock while open.
    EmbeddedDatacenter dc(file());
    dc.providerFor(Kind::Network).create(owner(Kind::Network, "net", networkSpec()));
    node = dc.nodeXml();
  }
  // Another VDC's domain under our name, and an unowned one.
  Ownership other{"other", {Kind::Instance, "a"}, "h", Json::object()};
  std::string owned = "<domain type='test'><name>shop.a</name><metadata>" + ownerElement(other) +
                      "</metadata><memory>1024</memory><os><type>hvm</type></os></domain>";
  std::string bare = "<domain type='test'><name>shop.b</name><memory>1024</memory><os><type>hvm</type></os></domain>";
  node.insert(node.rfind("</node>"), owned + bare);
  std::ofstream(file()) << node;
  EmbeddedDatacenter reloaded(file());
  LiveState live = reloaded.read("shop");
  EXPECT_FALSE(live.find({Kind::Instance, "a"}));
  ASSERT_TRUE(live.findForeign({Kind::Instance, "a"}));
  EXPECT_EQ(live.findForeign({Kind::Instance, "a"})->owner, "other");
  ASSERT_TRUE(live.findForeign({Kind::Instance, "b"}));
  EXPECT_EQ(live.findForeign({Kind::Instance, "b"})->owner, "");
  EXPECT_THROW(reloaded.providerFor(Kind::Instance).create(owner(Kind::Instance, "b", instanceSpec())), Error);
}

TEST_F(Providers, VolumesAreRecordedBeforeTheyExist) {
  EmbeddedDatacenter dc(file());
  dc.providerFor(Kind::VirtualDataCenter).create(owner(Kind::VirtualDataCenter, "shop", {{"description", ""}}));
  // A volume in our namespace that vdc never recorded is not ours.
  auto& storage = dynamic_cast<LibvirtStorage&>(dc.providerFor(Kind::Volume));
  storage.createChild("standard", "shop.vol.stray", 1024, std::nullopt);
  LiveState live = dc.read("shop");
  EXPECT_TRUE(live.findForeign({Kind::Volume, "stray"}));

  storage.create(owner(Kind::Volume, "data", {{"size", "1GiB"}, {"storageClass", "standard"}}));
  live = dc.read("shop");
  ASSERT_TRUE(live.find({Kind::Volume, "data"}));
  EXPECT_EQ(live.find({Kind::Volume, "data"})->observed["size"], "1GiB");

  // Growing works on the embedded datacenter even without resize support.
  storage.update(owner(Kind::Volume, "data", {{"size", "3GiB"}, {"storageClass", "standard"}}),
                 *live.find({Kind::Volume, "data"}));
  EXPECT_EQ(dc.read("shop").find({Kind::Volume, "data"})->observed["size"], "3GiB");
}

TEST_F(Providers, TheVdcRecordGoesLast) {
  EmbeddedDatacenter dc(file());
  createBasics(dc);
  LiveState live = dc.read("shop");
  const LiveObject* record = live.find({Kind::VirtualDataCenter, "shop"});
  ASSERT_TRUE(record);
  EXPECT_THROW(dc.providerFor(Kind::VirtualDataCenter).remove("shop", *record), Error);
  dc.providerFor(Kind::Volume).remove("shop", *live.find({Kind::Volume, "data"}));
  dc.providerFor(Kind::Image).remove("shop", *live.find({Kind::Image, "base"}));
  dc.providerFor(Kind::VirtualDataCenter).remove("shop", *record);
  EXPECT_FALSE(dc.read("shop").find({Kind::VirtualDataCenter, "shop"}));
}

TEST_F(Providers, TheDatacenterFileReloadsToTheSameState) {
  std::string fingerprint;
  LiveState throughLibvirt;
  {
    EmbeddedDatacenter dc(file());
    createBasics(dc);
    dc.providerFor(Kind::Instance).create(owner(Kind::Instance, "web", instanceSpec()));
    Json stopped = instanceSpec();
    stopped["state"] = "stopped";
    dc.providerFor(Kind::Instance).create(owner(Kind::Instance, "off", [&] {
      Json s = stopped;
      s["volumes"] = Json::array();
      return s;
    }()));
    dc.commit();
    throughLibvirt = dc.read("shop");  // connected: read through the libvirt API
    fingerprint = throughLibvirt.fingerprint();
  }
  EmbeddedDatacenter reloaded(file());
  LiveState live = reloaded.read("shop");  // not connected: read from the node file
  EXPECT_EQ(live.fingerprint(), fingerprint);
  ASSERT_EQ(live.objects().size(), throughLibvirt.objects().size());
  for (const auto& [id, object] : throughLibvirt.objects()) {
    const LiveObject* fromFile = live.find(id);
    ASSERT_TRUE(fromFile) << id.str();
    EXPECT_EQ(fromFile->observed, object.observed) << id.str();
    EXPECT_EQ(fromFile->recorded, object.recorded) << id.str();
    EXPECT_EQ(fromFile->physicalName, object.physicalName) << id.str();
  }
  EXPECT_EQ(live.find({Kind::Instance, "off"})->observed["state"], "stopped");
  EXPECT_EQ(live.find({Kind::Instance, "web"})->observed["state"], "running");
}

}  // namespace vdc::libvirt

namespace vdc::libvirt {

// A hand-edited file may spell sizes in any unit libvirt accepts.
TEST_F(Providers, HandWrittenUnitsAreReadAsLibvirtWouldLoadThem) {
  {
    EmbeddedDatacenter dc(file());
    createBasics(dc);
    dc.providerFor(Kind::Instance).create(owner(Kind::Instance, "web", instanceSpec()));
    dc.commit();
  }
  std::string node;
  {
    std::ifstream in(file());
    node.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto at = node.find("<memory unit='KiB'>1048576</memory>");
  ASSERT_NE(at, std::string::npos);
  node.replace(at, std::string("<memory unit='KiB'>1048576</memory>").size(), "<memory unit='GiB'>3</memory>");
  std::ofstream(file()) << node;
  EmbeddedDatacenter reloaded(file());
  EXPECT_EQ(reloaded.read("shop").find({Kind::Instance, "web"})->observed["memory"], "3GiB");
}

}  // namespace vdc::libvirt

namespace vdc::libvirt {

TEST_F(Providers, AVolumeIsAttachedFromThePoolOfItsStorageClass) {
  EmbeddedDatacenter dc(file());
  createBasics(dc);
  dc.providerFor(Kind::Volume).create(owner(Kind::Volume, "fast", {{"size", "1GiB"}, {"storageClass", "ssd"}}));
  Json spec = instanceSpec();
  spec["volumes"] = {{{"volume", "fast"}}};
  dc.providerFor(Kind::Instance).create(owner(Kind::Instance, "db", spec));
  EXPECT_NE(dc.nodeXml().find("<source pool='ssd' volume='shop.vol.fast'/>"), std::string::npos);
  EXPECT_EQ(dc.read("shop").find({Kind::Volume, "fast"})->observed["storageClass"], "ssd");
}

// A failed call's reason is read before any other libvirt call, which
// would reset it: the message says why, not "unknown libvirt error".
TEST(LibvirtErrors, AreReadBeforeAnyOtherCall) {
  quietLibvirtErrors();
  ConnectionHandle conn(virConnectOpen("test:///default"));
  ASSERT_TRUE(conn);
  NetworkHandle net(virNetworkDefineXML(conn.get(), "<network><name>gone</name></network>"));
  ASSERT_TRUE(net);
  ASSERT_EQ(virNetworkUndefine(net.get()), 0);
  try {
    networkDefinition(net.get());
    FAIL() << "an undefined network was read";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot read network gone: "), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("unknown libvirt error"), std::string::npos) << e.what();
  }
}

}  // namespace vdc::libvirt

namespace vdc::libvirt {

// A rename stopped between its two writes: the VDC's record names the
// machine anew, its domain's own record still has the old name. The VDC's
// record is the word, the domain keeps its name, and its record is due.
TEST_F(Providers, ARenameStoppedHalfWayIsReadByTheVdcsRecord) {
  {
    EmbeddedDatacenter dc(file());
    createBasics(dc);
    dc.providerFor(Kind::Instance).create(owner(Kind::Instance, "db", instanceSpec()));
    dc.commit();
    LiveState live = dc.read("shop");
    dc.providerFor(Kind::Instance).rename("shop", *live.find({Kind::Instance, "db"}), {Kind::Instance, "database"});
    dc.commit();
  }
  std::string node = testing::readFile(file());
  size_t domain = node.find("<name>shop.db</name>");
  ASSERT_NE(domain, std::string::npos);
  std::string renamed = "kind=\"Instance\" name=\"database\"";
  size_t record = node.find(renamed, domain);
  ASSERT_NE(record, std::string::npos) << "the domain's own record names it anew";
  node.replace(record, renamed.size(), "kind=\"Instance\" name=\"db\"");
  testing::writeFile(file(), node);

  EmbeddedDatacenter reloaded(file());
  LiveState live = reloaded.read("shop");
  const LiveObject* database = live.find({Kind::Instance, "database"});
  ASSERT_TRUE(database);
  EXPECT_EQ(database->physicalName, "shop.db");
  EXPECT_EQ(database->specHash, "") << "its own record is written again by the next apply";
  EXPECT_FALSE(live.find({Kind::Instance, "db"}));
  const Foreign* kept = live.findForeign({Kind::Instance, "db"});
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->heldBy, (ResourceId{Kind::Instance, "database"}));
}

}  // namespace vdc::libvirt
