// End to end with a container (tests/e2e/real_datacenter.h): an Instance of
// hypervisor lxc is a domain of the host's LXC driver, its root file system a
// copy of its image, its seed mounted where cloud-init looks. It reports to
// a file, which its user-data serves on two ports; the test reads it across
// the network from the host, through the container's security group. Its
// image comes over HTTP.
#include "tests/e2e/real_datacenter.h"
#include "tests/http_server.h"

namespace vdc::testing {

namespace {

constexpr const char* kVdc = "e2elxc";
constexpr const char* kAddress = "10.94.1.2";  // the first planned address of the network
const std::string kKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e ops@e2e";
const std::string kNewKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e3e ops@rotated";

// What the container serves on `port`: its guest lines, or nothing when the
// connection fails (within three seconds).
std::vector<std::string> served(const fs::path& dir, int port) {
  return guestLines(shell(dir, "busybox nc -w 3 " + std::string(kAddress) + " " + std::to_string(port)).out);
}

}  // namespace

TEST_F(RealDatacenter, AContainerRunsOnItsImageWithItsSeedBehindItsGroup) {
  std::string sha = stage(containerImage(), "www", "rootfs.img");
  HttpServer images(dir.path() / "www");
  auto writeVdc = [&](const std::string& extra, const std::string& key = kKey) {
    writeFile(dir.path() / "lxc" / "vdc.yaml", R"yaml(apiVersion: vdc/v1
kind: VirtualDataCenter
metadata: {name: e2elxc}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: lan}
spec: {cidr: 10.94.1.0/24}
---
apiVersion: vdc/v1
kind: SecurityGroup
metadata: {name: web}
spec: {ingress: [{protocol: tcp, ports: "80", from: 10.94.1.0/24}]}
---
apiVersion: vdc/v1
kind: Image
metadata: {name: rootfs}
spec: {source: ")yaml" + images.base() + R"yaml(rootfs.img", format: raw, sha256: )yaml" + sha + R"yaml(}
---
apiVersion: vdc/v1
kind: KeyPair
metadata: {name: ops}
spec: {publicKey: )yaml" + key + R"yaml(}
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: web}
spec:
  memory: 64MiB
  hypervisor: lxc
  image: rootfs
  keyPairs: [ops]
  interfaces: [{network: lan, securityGroups: [web]}]
  userData: |
    #!/bin/sh
    echo "vdc-guest: user-data on $(hostname))yaml" + extra + R"yaml("
    while true; do nc -l -p 80 -e cat /var/log/vdc-guest.log; done &
    while true; do nc -l -p 8080 -e cat /var/log/vdc-guest.log; done &
)yaml");
  };
  fs::create_directories(dir.path() / "lxc");
  writeVdc("");
  auto run = [&](const std::string& command) { return vdc(dir.path(), command + " lxc --target target.yaml"); };
  run("destroy --auto-approve");
  ASSERT_EQ(leftovers(kVdc), "");

  Result apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0);
  EXPECT_NE(virsh("domstate e2elxc.web", "lxc:///system").out.find("running"), std::string::npos);

  // The seed reached it: its host name, key and planned address; its
  // user-data runs. Its group admits 80 from the network, not 8080.
  auto fromPort80 = [&] { return served(dir.path(), 80); };
  // The read that showed "ready" is the one looked at: a second read can
  // fall between two of the guest's listeners.
  std::vector<std::string> lines;
  ASSERT_TRUE(waitForLine([&] { return lines = fromPort80(); }, "ready", std::chrono::seconds(60))) << run("show").out;
  auto has = [&](const std::string& line) { return std::find(lines.begin(), lines.end(), line) != lines.end(); };
  EXPECT_TRUE(has("hostname web"));
  EXPECT_TRUE(has("authorized keys 1"));
  bool planned = std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
    return line.starts_with(std::string("address eth0 ") + kAddress + "/24 ");
  });
  EXPECT_TRUE(planned) << ::testing::PrintToString(lines);
  EXPECT_TRUE(waitForLine(fromPort80, "user-data on web", std::chrono::seconds(10)));
  EXPECT_TRUE(served(dir.path(), 8080).empty());

  // A change to its user-data restarts it with a new seed.
  writeVdc(" again");
  Result change = run("plan");
  EXPECT_NE(change.out.find("# restarts the instance"), std::string::npos) << change.out;
  ASSERT_EQ(run("apply --auto-approve").exit, 0);
  EXPECT_TRUE(waitForLine(fromPort80, "user-data on web again", std::chrono::seconds(60)));
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0);

  // So does a new key of its key pair: the guest takes it at its next boot.
  EXPECT_TRUE(has("authorized key ops@e2e"));
  writeVdc(" again", kNewKey);
  change = run("plan");
  EXPECT_NE(change.out.find("keyFingerprints.ops:"), std::string::npos) << change.out;
  EXPECT_NE(change.out.find("# restarts the instance"), std::string::npos) << change.out;
  ASSERT_EQ(run("apply --auto-approve").exit, 0);
  EXPECT_TRUE(waitForLine(fromPort80, "authorized key ops@rotated", std::chrono::seconds(60)));
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0);

  Result destroy = run("destroy --auto-approve");
  ASSERT_EQ(destroy.exit, 0) << destroy.out << destroy.err;
  EXPECT_EQ(leftovers(kVdc), "");
}

// A stop while a container's root disk is copied from its image (1 GiB of
// data, through vdc a MiB at a time) ends the apply at once, with no
// volume left behind; the next apply makes the disk anew.
TEST_F(RealDatacenter, AStopDuringAContainersRootDiskCopyLeavesNoVolume) {
  fs::create_directories(dir.path() / "big");
  // Data, not holes: holes are copied as holes, at once.
  ASSERT_EQ(shell(dir.path(), "head -c 1G /dev/zero | tr '\\0' x > big/rootfs.img").exit, 0);
  auto writeVdc = [&](bool withInstance) {
    writeFile(dir.path() / "big" / "vdc.yaml",
              std::string("apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: e2ebig}\n---\n"
                          "apiVersion: vdc/v1\nkind: Image\nmetadata: {name: rootfs}\nspec: {source: rootfs.img, format: raw}\n") +
                  (withInstance ? "---\napiVersion: vdc/v1\nkind: Instance\nmetadata: {name: box}\n"
                                  "spec: {memory: 64MiB, hypervisor: lxc, image: rootfs, state: stopped}\n"
                                : ""));
  };
  auto run = [&](const std::string& command) { return vdc(dir.path(), command + " big --target target.yaml"); };
  writeVdc(false);
  run("destroy --auto-approve");
  ASSERT_EQ(run("apply --auto-approve").exit, 0);
  writeVdc(true);
  // Interrupted once the root disk's volume exists, that is in its copy.
  Result interrupted = shell(
      dir.path(),
      std::string(VDC_BINARY) + " apply big --target target.yaml --auto-approve 2>progress & holder=$!; "
          "until virsh -q -c " + std::string(kUri) + " vol-list " + kPool + " | grep -q e2ebig.root.box || ! kill -0 $holder 2>/dev/null; "
          "do sleep 0.01; done; " + interruptAndTime("progress"));
  EXPECT_EQ(interrupted.exit, 1) << interrupted.err;
  EXPECT_NE(interrupted.err.find("interrupted while reading a volume"), std::string::npos) << interrupted.err;
  ASSERT_GE(interruptTook(interrupted.err), 0) << interrupted.err;
  EXPECT_LT(interruptTook(interrupted.err), 2000) << "the copy was waited for";
  EXPECT_EQ(virsh(std::string("vol-list ") + kPool).out.find("e2ebig.root.box"), std::string::npos)
      << "the root disk begun was left behind";
  Result again = run("apply --auto-approve");
  ASSERT_EQ(again.exit, 0) << again.out << again.err;
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0);
  ASSERT_EQ(run("destroy --auto-approve").exit, 0);
  EXPECT_EQ(leftovers("e2ebig"), "");
}

}  // namespace vdc::testing
