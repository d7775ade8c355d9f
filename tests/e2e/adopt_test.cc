// Adoption on a real datacenter (tests/e2e/real_datacenter.h): a network, a
// volume and a running virtual machine made by hand with virsh are taken
// over by a VDC where they are. The machine keeps running through it: no
// object is made anew.
#include "tests/e2e/real_datacenter.h"

namespace vdc::testing {

namespace {

void removeHandMade() {
  virsh("destroy e2eold-web");
  virsh("undefine e2eold-web");
  virsh("net-destroy e2eold-net");
  virsh("net-undefine e2eold-net");
  virsh("vol-delete --pool vdc-e2e e2eold-disk.qcow2");
}

}  // namespace

TEST_F(RealDatacenter, ObjectsMadeByHandAreAdoptedWhereTheyRun) {
  auto run = [&](const std::string& command) { return vdc(dir.path(), command + " --target target.yaml"); };
  run("destroy old --auto-approve");
  removeHandMade();

  // The datacenter as someone set it up before vdc.
  writeFile(dir.path() / "net.xml",
            "<network><name>e2eold-net</name><ip address='10.77.0.1' netmask='255.255.255.0'/></network>");
  ASSERT_EQ(virsh("net-define " + (dir.path() / "net.xml").string()).exit, 0);
  ASSERT_EQ(virsh("net-start e2eold-net").exit, 0);
  ASSERT_EQ(virsh("vol-create-as vdc-e2e e2eold-disk.qcow2 64M --format qcow2").exit, 0);
  std::string disk = virsh("vol-path --pool vdc-e2e e2eold-disk.qcow2").out;
  disk.erase(disk.find_last_not_of("\n ") + 1);
  writeFile(dir.path() / "web.xml",
            "<domain type='qemu'><name>e2eold-web</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>"
            "<os><type>hvm</type></os><devices>"
            "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='" + disk +
            "'/><target dev='vda' bus='virtio'/></disk>"
            "<interface type='network'><mac address='52:54:00:77:00:10'/><source network='e2eold-net'/>"
            "<model type='virtio'/></interface></devices></domain>");
  ASSERT_EQ(virsh("define " + (dir.path() / "web.xml").string()).exit, 0);
  ASSERT_EQ(virsh("start e2eold-web").exit, 0);
  std::string domainId = virsh("domid e2eold-web").out;

  // Export offers them, named by the host.
  Result exported = run("export --from-live -o offered --name old");
  ASSERT_EQ(exported.exit, 0) << exported.err;
  EXPECT_NE(readFile(dir.path() / "offered" / "instances.yaml").find("vdc/adopt: e2eold-web"), std::string::npos);
  EXPECT_NE(readFile(dir.path() / "offered" / "networks.yaml").find("vdc/adopt: e2eold-net"), std::string::npos);
  EXPECT_NE(readFile(dir.path() / "offered" / "volumes.yaml").find("vdc/adopt: e2eold-disk.qcow2"),
            std::string::npos);

  // The VDC of those three, as a user keeps it: exactly what the host has.
  writeFile(dir.path() / "old" / "vdc.yaml", R"yaml(apiVersion: vdc/v1
kind: VirtualDataCenter
metadata: {name: old}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: backend, annotations: {vdc/adopt: e2eold-net}}
spec: {cidr: 10.77.0.0/24, dhcp: false}
---
apiVersion: vdc/v1
kind: Volume
metadata: {name: disk, annotations: {vdc/adopt: e2eold-disk.qcow2}}
spec: {size: 64MiB}
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: web, annotations: {vdc/adopt: e2eold-web}}
spec:
  memory: 128MiB
  hypervisor: qemu
  interfaces: [{network: backend}]
  volumes: [{volume: disk, device: vda}]
)yaml");
  Result plan = run("plan old");
  ASSERT_EQ(plan.exit, 0) << plan.out << plan.err;
  EXPECT_NE(plan.out.find("Plan: 3 to adopt, 1 to create, 0 to update"), std::string::npos) << plan.out;
  EXPECT_EQ(plan.out.find(" -> "), std::string::npos) << "the host differs from the manifests:\n" << plan.out;

  Result applied = run("apply old --auto-approve");
  ASSERT_EQ(applied.exit, 0) << applied.out << applied.err;
  EXPECT_EQ(run("plan old --detailed-exitcode").exit, 0) << run("plan old").out;
  EXPECT_EQ(virsh("domid e2eold-web").out, domainId) << "the machine ran on through the adoption";
  EXPECT_NE(virsh("dumpxml e2eold-web").out.find("vdc=\"old\" kind=\"Instance\" name=\"web\""), std::string::npos);
  EXPECT_NE(virsh("dumpxml --inactive e2eold-web").out.find("vdc=\"old\""), std::string::npos);
  EXPECT_NE(virsh("net-dumpxml --inactive e2eold-net").out.find("vdc=\"old\" kind=\"Network\""), std::string::npos);
  EXPECT_NE(virsh("net-info e2eold-net").out.find("yes"), std::string::npos);

  // Owned now: a change is made on the same objects, and destroy removes them.
  std::string text = readFile(dir.path() / "old" / "vdc.yaml");
  text.replace(text.find("memory: 128MiB"), 14, "memory: 192MiB");
  writeFile(dir.path() / "old" / "vdc.yaml", text);
  Result changed = run("apply old --auto-approve");
  ASSERT_EQ(changed.exit, 0) << changed.out << changed.err;
  EXPECT_NE(virsh("dominfo e2eold-web").out.find("196608 KiB"), std::string::npos) << virsh("dominfo e2eold-web").out;
  EXPECT_EQ(run("plan old --detailed-exitcode").exit, 0) << run("plan old").out;

  ASSERT_EQ(run("destroy old --auto-approve").exit, 0);
  EXPECT_NE(virsh("dominfo e2eold-web").exit, 0);
  EXPECT_NE(virsh("net-info e2eold-net").exit, 0);
  EXPECT_NE(virsh("vol-info --pool vdc-e2e e2eold-disk.qcow2").exit, 0);
  EXPECT_EQ(leftovers("old"), "");
  removeHandMade();
}

}  // namespace vdc::testing
