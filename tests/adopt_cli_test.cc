// Adoption with the real binary: an embedded datacenter that already holds
// a network, volumes and domains no VDC made is written out as manifests
// (vdc export --from-live), and applying them takes the objects over where
// they are, under their own names.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/cli_support.h"

namespace vdc::testing {

namespace {

namespace fs = std::filesystem;

// A host set up by hand before vdc: a NAT network, a VM with its disk given
// by path, a spare disk, and a VM on a host bridge (which vdc cannot model).
const char* kLegacyHost = R"(<node>
<network>
  <name>legacy-net</name>
  <forward mode='nat'/>
  <bridge name='virbr9' stp='on' delay='0'/>
  <ip address='192.168.90.1' netmask='255.255.255.0'>
    <dhcp><range start='192.168.90.100' end='192.168.90.200'/></dhcp>
  </ip>
</network>
<pool type='dir'>
  <name>default</name>
  <target><path>/var/lib/libvirt/images</path></target>
  <volume>
    <name>legacy-web.qcow2</name>
    <capacity unit='GiB'>10</capacity>
    <target><path>/var/lib/libvirt/images/legacy-web.qcow2</path><format type='qcow2'/></target>
  </volume>
  <volume>
    <name>scratch.img</name>
    <capacity unit='GiB'>2</capacity>
    <target><path>/var/lib/libvirt/images/scratch.img</path><format type='raw'/></target>
  </volume>
</pool>
<domain type='test'>
  <name>legacy-web</name>
  <memory unit='MiB'>1024</memory>
  <vcpu>2</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/legacy-web.qcow2'/><target dev='vda' bus='virtio'/></disk>
    <interface type='network'><mac address='52:54:00:aa:bb:cc'/><source network='legacy-net'/></interface>
  </devices>
</domain>
<domain type='test'>
  <name>bridged</name>
  <memory unit='MiB'>512</memory>
  <vcpu>1</vcpu>
  <os><type>hvm</type></os>
  <devices>
    <interface type='bridge'><source bridge='br0'/></interface>
  </devices>
</domain>
</node>
)";

class Adopt : public ::testing::Test {
 protected:
  void SetUp() override {
    writeFile(dir.path() / ".vdc" / "sim.xml", kLegacyHost);
    exported = vdc(dir.path(), "export --from-live -o legacy");
    ASSERT_EQ(exported.exit, 0) << exported.err;
  }

  std::string host() const { return readFile(dir.path() / ".vdc" / "sim.xml"); }

  TempDir dir;
  Result exported;
};

}  // namespace

TEST_F(Adopt, ExportWritesAManifestForEveryObjectItCanAdoptAndSaysWhyNotForTheRest) {
  for (const char* file : {"vdc.yaml", "networks.yaml", "volumes.yaml", "instances.yaml"})
    EXPECT_TRUE(fs::exists(dir.path() / "legacy" / file)) << file;
  std::string instances = readFile(dir.path() / "legacy" / "instances.yaml");
  EXPECT_NE(instances.find("vdc/adopt: legacy-web"), std::string::npos) << instances;
  EXPECT_NE(instances.find("volume: legacy-web-qcow2"), std::string::npos) << instances;
  EXPECT_NE(instances.find("network: legacy-net"), std::string::npos) << instances;
  EXPECT_EQ(instances.find("bridged"), std::string::npos) << instances;
  EXPECT_NE(exported.err.find("not adopted: Instance 'bridged': a NIC of type 'bridge' is on no libvirt network"),
            std::string::npos)
      << exported.err;
  EXPECT_EQ(vdc(dir.path(), "validate legacy").exit, 0);
  // A directory with something in it is not written over.
  Result again = vdc(dir.path(), "export --from-live -o legacy");
  EXPECT_EQ(again.exit, 1);
  EXPECT_NE(again.err.find("not an empty directory"), std::string::npos) << again.err;
}

TEST_F(Adopt, ApplyTakesTheObjectsOverInPlaceAndTheyStayWhatTheyWere) {
  Result plan = vdc(dir.path(), "plan legacy");
  EXPECT_NE(plan.out.find("<= Instance/legacy-web (adopt 'legacy-web')"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("Plan: 4 to adopt, 1 to create, 0 to update"), std::string::npos) << plan.out;

  Result applied = vdc(dir.path(), "apply legacy --auto-approve");
  ASSERT_EQ(applied.exit, 0) << applied.out << applied.err;
  EXPECT_NE(applied.out.find("4 adopted, 1 created"), std::string::npos) << applied.out;
  EXPECT_EQ(vdc(dir.path(), "plan legacy --detailed-exitcode").exit, 0);

  Json shown = Json::parse(vdc(dir.path(), "show legacy --json").out);
  std::map<std::string, std::string> physical;
  for (const auto& r : shown["resources"]) physical[r["address"]] = r["physicalName"];
  EXPECT_EQ(physical["Instance/legacy-web"], "legacy-web");
  EXPECT_EQ(physical["Network/legacy-net"], "legacy-net");
  EXPECT_EQ(physical["Volume/legacy-web-qcow2"], "legacy-web.qcow2");
  EXPECT_EQ(physical["Volume/scratch-img"], "scratch.img");
  // Recorded on the objects themselves; nothing made anew beside them.
  std::string after = host();
  EXPECT_NE(after.find("<vdc:owner xmlns:vdc=\"urn:vdc:ownership:1\" vdc=\"legacy\" kind=\"Instance\" "
                       "name=\"legacy-web\""),
            std::string::npos);
  EXPECT_NE(after.find("52:54:00:aa:bb:cc"), std::string::npos) << "the domain was not redefined";
  EXPECT_EQ(after.find("legacy.legacy-web"), std::string::npos);
  EXPECT_EQ(after.find("legacy.vol."), std::string::npos);

  // What is adopted is owned: the next export no longer offers it.
  Result later = vdc(dir.path(), "export --from-live -o later");
  ASSERT_EQ(later.exit, 0) << later.err;
  EXPECT_FALSE(fs::exists(dir.path() / "later" / "instances.yaml"));
  EXPECT_FALSE(fs::exists(dir.path() / "later" / "volumes.yaml"));
}

TEST_F(Adopt, AChangeAfterAdoptionKeepsTheObjectsNamesAndDestroyRemovesThem) {
  ASSERT_EQ(vdc(dir.path(), "apply legacy --auto-approve").exit, 0);
  fs::path instances = dir.path() / "legacy" / "instances.yaml";
  std::string text = readFile(instances);
  text.replace(text.find("cpus: 2"), 7, "cpus: 4");
  writeFile(instances, text);
  Result changed = vdc(dir.path(), "apply legacy --auto-approve");
  ASSERT_EQ(changed.exit, 0) << changed.out << changed.err;
  EXPECT_NE(changed.out.find("cpus: 2 -> 4"), std::string::npos) << changed.out;
  EXPECT_EQ(vdc(dir.path(), "plan legacy --detailed-exitcode").exit, 0);
  std::string after = host();
  EXPECT_NE(after.find("<vcpu placement='static'>4</vcpu>"), std::string::npos);
  EXPECT_NE(after.find("<source pool='default' volume='legacy-web.qcow2'/>"), std::string::npos);
  EXPECT_NE(after.find("<source network='legacy-net'/>"), std::string::npos);
  EXPECT_EQ(after.find("legacy.legacy-web"), std::string::npos);

  ASSERT_EQ(vdc(dir.path(), "destroy legacy --auto-approve").exit, 0);
  after = host();
  for (const char* gone : {"legacy-web", "legacy-net", "scratch.img", "legacy._vdc"})
    EXPECT_EQ(after.find(gone), std::string::npos) << gone;
  EXPECT_NE(after.find("<name>bridged</name>"), std::string::npos) << "what was never adopted stays";
}

TEST_F(Adopt, AnObjectThatIsNotThereIsRefusedAtItsManifestAndNothingIsApplied) {
  fs::path volumes = dir.path() / "legacy" / "volumes.yaml";
  std::string text = readFile(volumes);
  text.replace(text.find("vdc/adopt: scratch.img"), 22, "vdc/adopt: scratch.iso");
  writeFile(volumes, text);
  std::string before = host();
  Result applied = vdc(dir.path(), "apply legacy --auto-approve");
  EXPECT_EQ(applied.exit, 1);
  EXPECT_NE(applied.err.find("volumes.yaml:"), std::string::npos) << applied.err;
  EXPECT_NE(applied.err.find("Volume/scratch-img: cannot adopt 'scratch.iso'"), std::string::npos) << applied.err;
  EXPECT_EQ(host(), before);
}

}  // namespace vdc::testing
