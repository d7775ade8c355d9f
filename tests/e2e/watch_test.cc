// vdc watch on a real datacenter (tests/e2e/real_datacenter.h): a
// repository the test makes holds the VDC and the host's Target; each
// commit reaches libvirtd, the revision is recorded there, a volume deleted
// by hand is drift until --heal, and a commit that drops it deletes it.
#include "tests/e2e/real_datacenter.h"

namespace vdc::testing {

namespace {

const char* kRepositoryVdc = R"(apiVersion: vdc/v1
kind: VirtualDataCenter
metadata: {name: e2ewatch}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: net}
spec: {cidr: 10.78.0.0/24}
)";

const char* kVolume = "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: data}\nspec: {size: 8MiB}\n";

}  // namespace

TEST_F(RealDatacenter, AWatchKeepsARealHostAtTheRepositorysRevision) {
  fs::path repo = dir.path() / "repo";
  auto git = [&](const std::string& args) {
    return shell(repo, "git -c user.name=vdc -c user.email=vdc@example.org " + args);
  };
  auto commit = [&](const std::string& message) {
    git("add -A");
    EXPECT_EQ(git("commit -q -m '" + message + "'").exit, 0);
    std::string head = git("rev-parse HEAD").out;
    return head.substr(0, head.find('\n'));
  };
  auto watch = [&](const std::string& flags = "") {
    return vdc(dir.path(), "watch repo --path vdc --target-path targets/host.yaml --allow-host qemu:///system --once "
                           "--status-file status.json " + flags);
  };
  auto shown = [&] { return Json::parse(vdc(dir.path(), "show repo/vdc --target repo/targets/host.yaml --json").out); };
  auto drifted = [&] { return Json::parse(readFile(dir.path() / "status.json"))["drift"]; };
  vdc(dir.path(), "destroy repo/vdc --target target.yaml --auto-approve");

  fs::create_directories(repo / "vdc");
  ASSERT_EQ(git("init -q -b main").exit, 0);
  writeFile(repo / "vdc" / "vdc.yaml", kRepositoryVdc);
  writeFile(repo / "vdc" / "data.yaml", kVolume);
  // The repository's Target names the host and its pool; the appliance image
  // is a file of this machine, which a Target from a repository may not name.
  writeFile(repo / "targets" / "host.yaml",
            "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: e2e}\nspec:\n  hosts:\n    - uri: qemu:///system\n"
            "  storageClasses:\n    standard: {pool: vdc-e2e}\n");
  std::string one = commit("the network and a volume");

  Result first = watch();
  ASSERT_EQ(first.exit, 0) << first.err;
  EXPECT_EQ(virsh("net-info e2ewatch.net").exit, 0);
  EXPECT_EQ(virsh("vol-info --pool vdc-e2e e2ewatch.vol.data").exit, 0);
  EXPECT_EQ(shown()["revision"], one);

  // Deleted by hand: drift, reported, then healed.
  ASSERT_EQ(virsh("vol-delete --pool vdc-e2e e2ewatch.vol.data").exit, 0);
  ASSERT_EQ(watch().exit, 0);
  EXPECT_EQ(drifted(), Json::array({"create Volume/data"}));
  EXPECT_NE(virsh("vol-info --pool vdc-e2e e2ewatch.vol.data").exit, 0);
  ASSERT_EQ(watch("--heal").exit, 0);
  EXPECT_EQ(virsh("vol-info --pool vdc-e2e e2ewatch.vol.data").exit, 0);

  // A commit that drops the volume deletes it.
  fs::remove(repo / "vdc" / "data.yaml");
  std::string two = commit("no volume");
  ASSERT_EQ(watch().exit, 0);
  EXPECT_NE(virsh("vol-info --pool vdc-e2e e2ewatch.vol.data").exit, 0);
  EXPECT_EQ(shown()["revision"], two);

  ASSERT_EQ(vdc(dir.path(), "destroy repo/vdc --target target.yaml --auto-approve").exit, 0);
  EXPECT_EQ(leftovers("e2ewatch"), "");
}

}  // namespace vdc::testing
