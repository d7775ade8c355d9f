// vdc export and vdc import with the real binary: the web shop carried from
// one embedded datacenter to another, and bundles or targets that must be
// refused before anything is made.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/cli_support.h"

namespace vdc::testing {

namespace {

namespace fs = std::filesystem;

class Carry : public ::testing::Test {
 protected:
  void SetUp() override {
    copyExample("webshop", dir.path() / "shop");
    writeFile(dir.path() / "other.yaml",
              "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: other}\nspec:\n  embedded: {path: other.xml}\n");
    ASSERT_EQ(vdc(dir.path(), "apply shop --auto-approve").exit, 0);
    Result exported = vdc(dir.path(), "export shop -o shop.vdcb");
    ASSERT_EQ(exported.exit, 0) << exported.err;
  }

  // The resources the other datacenter holds for the web shop.
  size_t onOther() {
    Result show = vdc(dir.path(), "show shop --target other.yaml --json");
    return Json::parse(show.out)["resources"].size();
  }

  // `show --json` without the fields that name the target.
  Json shown(const std::string& args) {
    Json out = Json::parse(vdc(dir.path(), "show " + args + " --json").out);
    out.erase("target");
    return out;
  }

  TempDir dir;
};

}  // namespace

TEST_F(Carry, AVdcMovesToAnotherDatacenterAndIsTheSameThere) {
  Result imported = vdc(dir.path(), "import shop.vdcb --target other.yaml --into moved --auto-approve");
  ASSERT_EQ(imported.exit, 0) << imported.out << imported.err;
  EXPECT_NE(imported.out.find("Apply complete: 18 created"), std::string::npos) << imported.out;
  for (const char* file : {"vdc.yaml", "networks.yaml", "security.yaml", "storage.yaml", "instances.yaml"})
    EXPECT_EQ(readFile(dir.path() / "moved" / file), readFile(dir.path() / "shop" / file)) << file;
  EXPECT_EQ(vdc(dir.path(), "plan moved --target other.yaml --detailed-exitcode").exit, 0);
  EXPECT_EQ(shown("moved --target other.yaml"), shown("shop"));
  // The bundle names nothing of where it came from but the Target's name.
  std::string bundle = readFile(dir.path() / "shop.vdcb");
  EXPECT_EQ(bundle.find(dir.path().string()), std::string::npos);
  EXPECT_EQ(bundle.find("sim.xml"), std::string::npos);
}

// An import makes a VDC. Onto one of the same name that lives on the
// target already, it is refused, naming what lives there, unless asked
// for in words; then the plan shows what the bundle changes of it.
TEST_F(Carry, AnImportOntoAVdcThatLivesThereIsRefusedUnlessAskedFor) {
  std::string before = readFile(dir.path() / ".vdc" / "sim.xml");
  Result refused = vdc(dir.path(), "import shop.vdcb --into again --auto-approve");
  EXPECT_EQ(refused.exit, 1);
  EXPECT_NE(refused.err.find("VDC webshop already lives on embedded datacenter .vdc/sim.xml: it holds 18 resources "
                             "(1 Image, 6 Instances, 1 KeyPair, 1 LoadBalancer, 3 Networks, 3 SecurityGroups, "
                             "1 VirtualDataCenter, 2 Volumes)"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("--onto-existing"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("nothing was imported."), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(dir.path() / "again"));
  EXPECT_EQ(readFile(dir.path() / ".vdc" / "sim.xml"), before);

  // Asked for: the datacenter changes back to the bundle's, and the plan said so first.
  writeFile(dir.path() / "shop" / "extra.yaml",
            "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: extra}\nspec: {cidr: 10.77.0.0/24}\n");
  ASSERT_EQ(vdc(dir.path(), "apply shop --auto-approve").exit, 0);
  Result onto = vdc(dir.path(), "import shop.vdcb --into again --onto-existing --auto-approve");
  ASSERT_EQ(onto.exit, 0) << onto.out << onto.err;
  EXPECT_NE(onto.out.find("VDC webshop already lives on embedded datacenter .vdc/sim.xml (19 resources): --onto-existing"),
            std::string::npos) << onto.out;
  EXPECT_NE(onto.out.find("- Network/extra"), std::string::npos) << onto.out;
  EXPECT_EQ(vdc(dir.path(), "plan again --detailed-exitcode").exit, 0);
}

TEST_F(Carry, AnAlteredBundleIsRefusedAndNothingIsWritten) {
  std::string bundle = readFile(dir.path() / "shop.vdcb");
  auto at = bundle.find("cidr: 10.10.1.0/24");
  ASSERT_NE(at, std::string::npos);
  bundle.replace(at, 18, "cidr: 10.66.1.0/24");
  writeFile(dir.path() / "altered.vdcb", bundle);
  Result refused = vdc(dir.path(), "import altered.vdcb --target other.yaml --into moved --auto-approve");
  EXPECT_EQ(refused.exit, 1);
  EXPECT_NE(refused.err.find("member 'manifests/networks.yaml' has sha256"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("nothing was imported"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(dir.path() / "moved"));
  EXPECT_EQ(onOther(), 0u);

  fs::resize_file(dir.path() / "shop.vdcb", fs::file_size(dir.path() / "shop.vdcb") - 700);
  Result truncated = vdc(dir.path(), "import shop.vdcb --target other.yaml --into moved --auto-approve");
  EXPECT_EQ(truncated.exit, 1);
  EXPECT_FALSE(fs::exists(dir.path() / "moved"));
  EXPECT_EQ(onOther(), 0u);
}

TEST_F(Carry, ATargetWithoutRoomIsRefusedBeforeAnyChange) {
  writeFile(dir.path() / "small.yaml",
            "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: small}\nspec:\n  hosts:\n"
            "    - {name: a, embedded: {path: a.xml}, capacity: {cpus: 4, memory: 4GiB}}\n"
            "    - {name: b, embedded: {path: b.xml}, capacity: {cpus: 4, memory: 4GiB}}\n");
  Result refused = vdc(dir.path(), "import shop.vdcb --target small.yaml --into moved --auto-approve");
  EXPECT_EQ(refused.exit, 1);
  EXPECT_NE(refused.err.find("cannot take VDC webshop"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("Instance/db needs 4 cpus and 8GiB: no host has room"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(dir.path() / "moved"));
  Result show = vdc(dir.path(), "show shop --target small.yaml --json");
  EXPECT_EQ(Json::parse(show.out)["resources"].size(), 0u);

  // Nor is an existing directory written over.
  fs::create_directories(dir.path() / "taken");
  Result taken = vdc(dir.path(), "import shop.vdcb --target other.yaml --into taken --auto-approve");
  EXPECT_EQ(taken.exit, 1);
  EXPECT_NE(taken.err.find("it exists"), std::string::npos) << taken.err;
  EXPECT_EQ(onOther(), 0u);
}

TEST_F(Carry, AnImportNeverUnpacksOutsideTheWorkingDirectoryUnlessToldSoAndLeavesNothing) {
  fs::create_directories(dir.path() / "work");
  fs::create_directories(dir.path() / "elsewhere");
  fs::create_symlink(dir.path() / "elsewhere", dir.path() / "work" / "link");
  auto before = [&] {
    std::vector<std::string> all;
    for (const auto& entry : fs::recursive_directory_iterator(dir.path())) all.push_back(entry.path().string());
    return all;
  }();
  for (const std::string into : {"../moved", "a/../../moved", "link/moved", "link/../../moved", "."}) {
    Result refused = vdc(dir.path() / "work", "import ../shop.vdcb --target ../other.yaml --into " + into +
                                                   " --auto-approve");
    EXPECT_EQ(refused.exit, 1) << into;
    EXPECT_NE(refused.err.find("nothing was imported"), std::string::npos) << into << ": " << refused.err;
  }
  // A parent that is not there is not made (nor left behind).
  Result deep = vdc(dir.path() / "work", "import ../shop.vdcb --target ../other.yaml --into deep/er/moved --auto-approve");
  EXPECT_EQ(deep.exit, 1);
  EXPECT_NE(deep.err.find("is not a directory"), std::string::npos) << deep.err;
  std::vector<std::string> after;
  for (const auto& entry : fs::recursive_directory_iterator(dir.path())) after.push_back(entry.path().string());
  EXPECT_EQ(after, before);
  EXPECT_EQ(onOther(), 0u);

  // An absolute path is the user's own choice.
  Result absolute = vdc(dir.path() / "work", "import ../shop.vdcb --target ../other.yaml --into " +
                                                 (dir.path() / "elsewhere" / "moved").string() + " --auto-approve");
  EXPECT_EQ(absolute.exit, 0) << absolute.err;
  EXPECT_TRUE(fs::exists(dir.path() / "elsewhere" / "moved" / "vdc.yaml"));
}

// A local VDC may name any file of its user's; the same manifests arriving
// in a bundle may name only the bundle's own files.
TEST_F(Carry, ABundlesManifestsNameNoHostFileOutsideTheBundle) {
  writeFile(dir.path() / "local" / "vdc.yaml",
            "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: local}\n---\n"
            "apiVersion: vdc/v1\nkind: Image\nmetadata: {name: base}\nspec: {source: /etc/hostname, format: raw}\n");
  Result applied = vdc(dir.path(), "apply local --auto-approve");
  ASSERT_EQ(applied.exit, 0) << applied.err;
  ASSERT_EQ(vdc(dir.path(), "export local -o local.vdcb").exit, 0);
  Result refused = vdc(dir.path(), "import local.vdcb --target other.yaml --into moved --auto-approve");
  EXPECT_EQ(refused.exit, 1);
  EXPECT_NE(refused.err.find("Image/base: cannot read /etc/hostname: manifests from a repository or a bundle may name "
                             "files only inside their own directory"),
            std::string::npos)
      << refused.err;
  EXPECT_FALSE(fs::exists(dir.path() / "moved"));
  Result show = vdc(dir.path(), "show local --target other.yaml --json");
  EXPECT_EQ(Json::parse(show.out)["resources"].size(), 0u);
  // Unless the Target allows the directory.
  writeFile(dir.path() / "other.yaml", readFile(dir.path() / "other.yaml") + "  allowedPaths: [/etc]\n");
  Result allowed = vdc(dir.path(), "import local.vdcb --target other.yaml --into moved --auto-approve");
  EXPECT_EQ(allowed.exit, 0) << allowed.err;
}

}  // namespace vdc::testing
