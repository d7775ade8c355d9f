// The change model on the webshop example: an edit that replaces an object
// takes what refers to it along in the same apply, in order, and leaves a
// datacenter whose every reference resolves.
#include <gtest/gtest.h>

#include <regex>

#include "tests/cli_support.h"

namespace vdc::testing {

namespace {

namespace fs = std::filesystem;

class Change : public ::testing::Test {
 protected:
  void SetUp() override {
    copyExample("webshop", dir.path() / "shop");
    Result applied = run("apply shop --auto-approve");
    ASSERT_EQ(applied.exit, 0) << applied.err;
  }

  Result run(const std::string& command) { return vdc(dir.path(), command); }

  void edit(const std::string& file, const std::string& from, const std::string& to) {
    fs::path path = dir.path() / "shop" / file;
    std::string text = readFile(path);
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    writeFile(path, text.replace(at, from.size(), to));
  }

  // The pools the disks of domain `name` name for volume `volume`, read from the datacenter itself.
  std::vector<std::string> poolsOf(const std::string& name, const std::string& volume) {
    std::string sim = readFile(dir.path() / ".vdc" / "sim.xml");
    size_t begin = sim.find("<name>" + name + "</name>"), end = sim.find("</domain>", begin);
    std::string domain = sim.substr(begin, end - begin);
    std::vector<std::string> pools;
    std::regex source("<source pool='([^']*)' volume='" + volume + "'");
    for (std::sregex_iterator it(domain.begin(), domain.end(), source), none; it != none; ++it)
      pools.push_back((*it)[1]);
    return pools;
  }

  // Whether `first` is reported before `then` in an apply's output.
  static bool before(const std::string& out, const std::string& first, const std::string& then) {
    size_t a = out.find(first), b = out.find(then);
    return a != std::string::npos && b != std::string::npos && a < b;
  }

  TempDir dir;
};

}  // namespace

TEST_F(Change, AVolumeMovedToAnotherClassIsAttachedAgainFromThere) {
  edit("storage.yaml", "storageClass: standard", "storageClass: fast");
  Result plan = run("plan shop");
  EXPECT_NE(plan.out.find(" -/+ Volume/db-data (replace)"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("   ~ Instance/db\n      re-attaches Volume/db-data (replaced)   # restarts the instance\n"),
            std::string::npos)
      << plan.out;
  Result apply = run("apply shop --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.err;
  EXPECT_TRUE(before(apply.err, "~ Instance/db: let go of what is replaced", "- Volume/db-data: removed (replace)"))
      << apply.err;
  EXPECT_TRUE(before(apply.err, "+ Volume/db-data: created (replace)", "~ Instance/db: updated")) << apply.err;
  EXPECT_EQ(poolsOf("webshop.db", "webshop.vol.db-data"), std::vector<std::string>{"fast"});
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);
}

TEST_F(Change, AnApplyThatStopsHalfWayIsPutRightByTheNext) {
  edit("storage.yaml", "storageClass: standard", "storageClass: fast");
  // Calls: the instance lets go, the volume goes and is made again, the instance takes it.
  Result failed = shell(dir.path(), "VDC_FAULT=fail:4 " + std::string(VDC_BINARY) + " apply shop --auto-approve");
  ASSERT_EQ(failed.exit, 1) << failed.err;
  ASSERT_EQ(poolsOf("webshop.db", "webshop.vol.db-data"), std::vector<std::string>{"standard"})
      << "the domain still names the volume that went";
  Result plan = run("plan shop");
  EXPECT_NE(plan.out.find("volumes[0].volume: (none) -> \"db-data\""), std::string::npos)
      << "a disk whose volume is gone attaches nothing:\n" << plan.out;
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  EXPECT_EQ(poolsOf("webshop.db", "webshop.vol.db-data"), std::vector<std::string>{"fast"});
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);
}

TEST_F(Change, AnAtomicApplyWhoseInstanceCannotLetGoChangesNothing) {
  edit("storage.yaml", "storageClass: standard", "storageClass: fast");
  Result before = run("plan shop --json");
  ASSERT_EQ(before.exit, 0) << before.err;
  // Call 1: the instance lets go of the volume; it fails, so the volume is never replaced.
  Result failed = shell(dir.path(), "VDC_FAULT=fail:1 " + std::string(VDC_BINARY) +
                                        " apply shop --auto-approve --atomic --allow-irreversible");
  ASSERT_EQ(failed.exit, 1) << failed.err;
  EXPECT_NE(failed.out.find("rolled back"), std::string::npos) << failed.out << failed.err;
  EXPECT_EQ(Json::parse(run("plan shop --json").out)["changes"], Json::parse(before.out)["changes"])
      << "the volume's record, written ahead of its replace, is put back";
  EXPECT_EQ(poolsOf("webshop.db", "webshop.vol.db-data"), std::vector<std::string>{"standard"});
}

TEST_F(Change, ANetworkMadeAgainHasItsNicsPluggedAgain) {
  edit("networks.yaml", "10.10.3.0/24", "10.10.30.0/24");
  edit("instances.yaml", "10.10.3.10", "10.10.30.10");
  Result plan = run("plan shop");
  EXPECT_NE(plan.out.find("      re-plugs NIC 1 into Network/data (replaced)   # restarts the instance\n"),
            std::string::npos)
      << plan.out;
  Result apply = run("apply shop --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.err;
  EXPECT_TRUE(before(apply.err, "~ Instance/db: let go of what is replaced", "- Network/data: removed (replace)"))
      << apply.err;
  EXPECT_TRUE(before(apply.err, "+ Network/data: created (replace)", "~ Instance/db: updated")) << apply.err;
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);
}

TEST_F(Change, AnImageMadeAgainRemakesTheDisksMadeOfItWhichAnAtomicApplyRefuses) {
  edit("storage.yaml", "format: qcow2", "format: raw");
  Result plan = run("plan shop --json");
  ASSERT_EQ(plan.exit, 0) << plan.err;
  Json json = Json::parse(plan.out);
  size_t remade = 0;
  for (const auto& c : json["changes"])
    if (c["kind"] == "Instance") {
      EXPECT_EQ(c["action"], "replace") << c["address"];
      EXPECT_EQ(c["follows"], Json({"Image/debian-12"})) << c["address"];
      EXPECT_EQ(c["irreversible"], "its root disk's data is lost") << c["address"];
      ++remade;
    }
  EXPECT_EQ(remade, 6u) << "every virtual machine of the image";
  Result atomic = run("apply shop --auto-approve --atomic");
  EXPECT_EQ(atomic.exit, 1);
  EXPECT_NE(atomic.err.find("the plan replaces Instance/db, which cannot be undone (its root disk's data is lost)"),
            std::string::npos)
      << atomic.err;
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);
}

TEST_F(Change, ReplaceMakesAnUnchangedObjectAnewWithWhatFollowsIt) {
  Result plan = run("plan shop --replace Volume/db-wal --json");
  ASSERT_EQ(plan.exit, 0) << plan.err;
  Json json = Json::parse(plan.out);
  ASSERT_EQ(json["changes"].size(), 2u) << plan.out;
  EXPECT_EQ(json["changes"][0]["address"], "Volume/db-wal");
  EXPECT_EQ(json["changes"][0]["replaceAsked"], true);
  EXPECT_EQ(json["changes"][1]["follows"], Json({"Volume/db-wal"}));
  Result apply = run("apply shop --replace Volume/db-wal --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.err;
  EXPECT_NE(apply.out.find("Apply complete: 0 created, 1 updated, 1 replaced, 0 deleted."), std::string::npos)
      << apply.out;
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);

  // An Instance with replicas by its base name: every replica.
  Result web = run("plan shop --replace Instance/web");
  EXPECT_NE(web.out.find("Plan: 0 to create, 0 to update, 3 to replace"), std::string::npos) << web.out;
  Result typo = run("plan shop --replace Instance/wbe");
  EXPECT_EQ(typo.exit, 1);
  EXPECT_NE(typo.err.find("--replace Instance/wbe: the VDC has no such resource"), std::string::npos) << typo.err;
  ASSERT_EQ(run("plan shop --out saved.plan").exit, 0);
  Result saved = run("apply saved.plan --replace Volume/db-wal");
  EXPECT_EQ(saved.exit, 1);
  EXPECT_NE(saved.err.find("a saved plan is applied whole"), std::string::npos) << saved.err;
  EXPECT_EQ(run("plan shop --destroy --replace Volume/db-wal").exit, 1);
}

}  // namespace vdc::testing
