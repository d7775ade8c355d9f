// End to end on Open vSwitch (tests/e2e/real_datacenter.h): a VDC's network
// is an OVS bridge (the userspace datapath on this machine), created and
// removed through OVSDB, and its security group is OpenFlow rules on it.
#include "tests/e2e/real_datacenter.h"

namespace vdc::testing {

TEST_F(RealDatacenter, OnOpenVSwitchGroupsAreFlowsOnABridgeThatGoesAwayWithTheVdc) {
  writeFile(dir.path() / "ovs-target.yaml",
            "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: e2e-ovs}\nspec:\n  hosts:\n    - uri: qemu:///system\n"
            "  switch: {type: ovs, datapathType: netdev}\n  storageClasses:\n    standard: {pool: vdc-e2e}\n");
  std::string sha = stage(guestImage(), "ovs", "guest.img");
  auto writeOvsVdc = [&](const std::string& ingress) {
    writeFile(dir.path() / "ovs" / "vdc.yaml", R"yaml(apiVersion: vdc/v1
kind: VirtualDataCenter
metadata: {name: e2eovs}
---
apiVersion: vdc/v1
kind: SecurityGroup
metadata: {name: server}
spec: {ingress: )yaml" + ingress + R"yaml(}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: lan}
spec: {cidr: 10.93.1.0/24}
---
apiVersion: vdc/v1
kind: Image
metadata: {name: guest}
spec: {source: guest.img, format: raw, sha256: )yaml" + sha + R"yaml(}
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: server}
spec:
  memory: 192MiB
  hypervisor: qemu
  image: guest
  interfaces: [{network: lan, securityGroups: [server]}]
  userData: |
    #!/bin/sh
    mkdir -p /www && echo hello > /www/index.html && httpd -p 80 -h /www && httpd -p 8080 -h /www
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: client}
spec:
  memory: 192MiB
  hypervisor: qemu
  image: guest
  interfaces: [{network: lan}]
  userData: |
    #!/bin/sh
    probe() { if echo | nc -w 2 10.93.1.3 $1 >/dev/null 2>&1; then echo "server:$1=ok"; else echo "server:$1=fail"; fi; }
    while true; do echo "vdc-guest: probe $(probe 80) $(probe 8080)"; sleep 2; done
)yaml");
  };
  writeOvsVdc(R"([{protocol: tcp, ports: "80"}])");
  auto ovsRun = [&](const std::string& command) { return vdc(dir.path(), command + " ovs --target ovs-target.yaml"); };
  auto bridges = [&] { return shell(dir.path(), "ovs-vsctl --bare --columns=name find Bridge external_ids:vdc-vdc=e2eovs").out; };
  ovsRun("destroy --auto-approve");
  for (const char* instance : {"server", "client"}) fs::remove("/var/log/libvirt/qemu/e2eovs." + std::string(instance) + ".console.log");

  Result apply = ovsRun("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_EQ(ovsRun("plan --detailed-exitcode").exit, 0);
  EXPECT_NE(bridges(), "");
  auto console = [](const std::string& instance) {
    return readFile("/var/log/libvirt/qemu/e2eovs." + instance + ".console.log");
  };
  // Planned addresses from the seed, and traffic across the bridge as the group says.
  auto waitFor = [&](const std::string& text, size_t after) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
    while (console("client").find(text, after) == std::string::npos && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::seconds(1));
    return console("client").find(text, after) != std::string::npos;
  };
  EXPECT_TRUE(waitFor("probe server:80=ok server:8080=fail", 0)) << console("client");
  EXPECT_NE(console("client").find("address eth0 10.93.1.2/24"), std::string::npos) << console("client");
  // A flow added on the bridge behind vdc's back is drift on its network, and the apply takes it away.
  std::string bridge = bridges();
  bridge.erase(bridge.find_last_not_of(" \n") + 1);
  ASSERT_EQ(shell(dir.path(), "ovs-ofctl -O OpenFlow13 add-flow " + bridge + " 'table=4,priority=12345,ip,actions=NORMAL'").exit, 0);
  Result drifted = ovsRun("plan --detailed-exitcode");
  EXPECT_EQ(drifted.exit, 2) << drifted.out << drifted.err;
  EXPECT_NE(drifted.out.find("   ~ Network/lan (drift)\n      hostFlows: \"differs\" -> (none)   # drift"),
            std::string::npos)
      << drifted.out;
  ASSERT_EQ(ovsRun("apply --auto-approve").exit, 0);
  EXPECT_EQ(ovsRun("plan --detailed-exitcode").exit, 0);
  EXPECT_EQ(shell(dir.path(), "ovs-ofctl -O OpenFlow13 dump-flows " + bridge + " | grep -c priority=12345").out, "0\n");

  // The group opens 8080: an update of the group, and of the flows only.
  writeOvsVdc(R"([{protocol: tcp, ports: "80"}, {protocol: tcp, ports: "8000-8099"}])");
  Result change = ovsRun("plan --detailed-exitcode");
  EXPECT_EQ(change.exit, 2) << change.out << change.err;
  EXPECT_NE(change.out.find("0 to create, 1 to update, 0 to replace, 0 to delete"), std::string::npos) << change.out;
  size_t seen = console("client").size();
  ASSERT_EQ(ovsRun("apply --auto-approve").exit, 0);
  EXPECT_TRUE(waitFor("probe server:80=ok server:8080=ok", seen)) << console("client");

  Result destroy = ovsRun("destroy --auto-approve");
  ASSERT_EQ(destroy.exit, 0) << destroy.out << destroy.err;
  EXPECT_EQ(bridges(), "");
  EXPECT_EQ(virsh("list --all --name").out.find("e2eovs."), std::string::npos);
}

}  // namespace vdc::testing
