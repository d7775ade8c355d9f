// Whatever is deleted or changed by hand on the target, one `vdc destroy`
// removes everything of the VDC that is left and ends clean, and one
// `vdc apply` converges; `vdc show` lists what the VDC still owns, orphans
// included. Each hand change is made to the embedded datacenter's file.
#include <gtest/gtest.h>

#include <functional>

#include "tests/cli_support.h"

namespace vdc::testing {

namespace {

namespace fs = std::filesystem;

// `xml` without the element of type `tag` named `name`.
std::string without(std::string xml, const std::string& tag, const std::string& name) {
  size_t at = xml.find("<name>" + name + "</name>");
  if (at == std::string::npos) return xml;
  size_t begin = xml.rfind("<" + tag, at), end = xml.find("</" + tag + ">", at) + tag.size() + 3;
  return xml.erase(begin, end - begin);
}

std::string replaced(std::string xml, const std::string& from, const std::string& to) {
  size_t at = xml.find(from);
  return at == std::string::npos ? xml : xml.replace(at, from.size(), to);
}

struct HandChange {
  const char* what;
  std::function<std::string(const std::string&)> apply;
};

const std::vector<HandChange> kHandChanges = {
    {"a running instance's domain destroyed and undefined",
     [](const std::string& x) { return without(x, "domain", "webshop.web-0"); }},
    {"a load balancer's domain gone", [](const std::string& x) { return without(x, "domain", "webshop.lb.shop"); }},
    {"an instance's root disk removed", [](const std::string& x) { return without(x, "volume", "webshop.root.db"); }},
    {"a volume removed", [](const std::string& x) { return without(x, "volume", "webshop.vol.db-data"); }},
    {"a network removed", [](const std::string& x) { return without(x, "network", "webshop.frontend"); }},
    {"several at once",
     [](const std::string& x) {
       return without(without(without(x, "domain", "webshop.app-1"), "network", "webshop.backend"), "volume",
                      "webshop.root.web-2");
     }},
    {"a record in the VDC's record network made unreadable",
     [](const std::string& x) { return replaced(x, "<vdc:spec>{\"egress\":[]", "<vdc:spec>{\"egress\":[}"); }},
    {"a record in the VDC's record network given a name that is none",
     [](const std::string& x) { return replaced(x, "kind=\"SecurityGroup\" name=\"db\"", "kind=\"SecurityGroup\" name=\"../db\""); }},
};

class Converge : public ::testing::Test {
 protected:
  void SetUp() override {
    copyExample("webshop", dir.path() / "shop");
    Result applied = vdc(dir.path(), "apply shop --auto-approve");
    ASSERT_EQ(applied.exit, 0) << applied.err;
    applied_ = readFile(sim());
  }
  fs::path sim() const { return dir.path() / ".vdc" / "sim.xml"; }
  void handChange(const HandChange& change) {
    std::string changed = change.apply(applied_);
    ASSERT_NE(changed, applied_) << change.what << ": the change did not apply";
    writeFile(sim(), changed);
  }

  TempDir dir;
  std::string applied_;
};

}  // namespace

TEST_F(Converge, OneDestroyRemovesWhatIsLeftWhateverWasChangedByHand) {
  for (const auto& change : kHandChanges) {
    handChange(change);
    Result destroy = vdc(dir.path(), "destroy shop --auto-approve");
    EXPECT_EQ(destroy.exit, 0) << change.what << ":\n" << destroy.out << destroy.err;
    std::string left = readFile(sim());
    EXPECT_EQ(left.find("webshop."), std::string::npos) << change.what << ": left behind:\n" << left;
    EXPECT_EQ(vdc(dir.path(), "plan shop --destroy --detailed-exitcode").exit, 0) << change.what;
  }
}

TEST_F(Converge, OneApplyConvergesWhateverWasChangedByHand) {
  for (const auto& change : kHandChanges) {
    handChange(change);
    Result apply = vdc(dir.path(), "apply shop --auto-approve");
    EXPECT_EQ(apply.exit, 0) << change.what << ":\n" << apply.out << apply.err;
    Result plan = vdc(dir.path(), "plan shop --detailed-exitcode");
    EXPECT_EQ(plan.exit, 0) << change.what << ":\n" << plan.out;
  }
}

// A machine whose domain was deleted by hand comes back with its root disk:
// a create, not a replace that would delete the disk first.
TEST_F(Converge, AMachineDeletedByHandIsAbsentAndMadeAgainOnItsOwnRootDisk) {
  handChange(kHandChanges[0]);
  Result show = vdc(dir.path(), "show shop");
  EXPECT_NE(show.out.find("Instance/web-0             webshop.web-0          absent   changed, drifted: state"),
            std::string::npos)
      << show.out;
  Result plan = vdc(dir.path(), "plan shop");
  EXPECT_NE(plan.out.find("   + Instance/web-0 (drift: deleted outside vdc)\n"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("Plan: 1 to create, 0 to update, 0 to replace, 0 to delete"), std::string::npos) << plan.out;
  Result destroyPlan = vdc(dir.path(), "plan shop --destroy");
  EXPECT_NE(destroyPlan.out.find("   - Instance/web-0 (deletes 'webshop.web-0') (cannot be undone: its root disk's data "
                                 "is lost)"),
            std::string::npos)
      << destroyPlan.out;
  Result apply = vdc(dir.path(), "-v apply shop --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.err;
  EXPECT_NE(apply.err.find("step webshop.web-0 define"), std::string::npos) << apply.err;
  EXPECT_EQ(apply.err.find("step webshop.web-0 rootDisk"), std::string::npos) << "its root disk is kept:\n" << apply.err;
  EXPECT_EQ(vdc(dir.path(), "plan shop --detailed-exitcode").exit, 0);
  // Made anew on purpose, it gets a new one.
  Result replace = vdc(dir.path(), "-v apply shop --auto-approve --replace Instance/web-0");
  EXPECT_NE(replace.err.find("step webshop.web-0 rootDisk"), std::string::npos) << replace.err;
}

// Its domain deleted by hand while its manifest names another image: the
// disk it left holds data a new one would lose, so it is kept and the
// create is refused, saying what to do.
TEST_F(Converge, ARootDiskLeftOfAnotherImageIsKeptAndTheCreateRefused) {
  handChange({"db's domain deleted", [](const std::string& x) { return without(x, "domain", "webshop.db"); }});
  fs::path storage = dir.path() / "shop" / "storage.yaml";
  writeFile(storage, readFile(storage) + "---\napiVersion: vdc/v1\nkind: Image\nmetadata: {name: debian-13}\n"
                                         "spec: {source: images/debian-13.qcow2}\n");
  fs::path instances = dir.path() / "shop" / "instances.yaml";
  std::string text = readFile(instances);
  size_t db = text.find("  name: db\n");
  ASSERT_NE(db, std::string::npos);
  size_t image = text.find("image: debian-12", db);
  writeFile(instances, text.replace(image, std::string("image: debian-12").size(), "image: debian-13"));
  Result apply = vdc(dir.path(), "apply shop --auto-approve");
  EXPECT_EQ(apply.exit, 1);
  EXPECT_NE(apply.err.find("Instance/db: the root disk 'webshop.root.db' its deleted domain left is a child of"),
            std::string::npos)
      << apply.err;
  EXPECT_NE(readFile(sim()).find("<name>webshop.root.db</name>"), std::string::npos) << "the disk is kept";
}

// The VDC's record names an instance's disks; edited to name a volume that
// is not one of them, it makes vdc delete nothing but its own.
TEST_F(Converge, ARecordEditedToNameAnotherVolumeDeletesNothingButTheVdcs) {
  std::string xml = replaced(applied_, "</pool>",
                             "<volume type='file'><name>precious</name><capacity unit='bytes'>1024</capacity>"
                             "<target><path>/precious</path></target></volume>\n</pool>");
  // Every disk the record names for db (its root disk and seed) now says "precious".
  for (const std::string disk : {"webshop.root.db", "webshop.seed.db"})
    for (size_t at; (at = xml.find("\"" + disk + "\"")) != std::string::npos;) xml.replace(at, disk.size() + 2, "\"precious\"");
  writeFile(sim(), xml);
  Result destroy = vdc(dir.path(), "destroy shop --auto-approve");
  EXPECT_EQ(destroy.exit, 0) << destroy.out << destroy.err;
  EXPECT_NE(readFile(sim()).find("<name>precious</name>"), std::string::npos) << "a volume not vdc's was deleted";
}

}  // namespace vdc::testing
