// Plans for review: `vdc plan --format markdown` for a pull request's
// comment, and `--deny` and `protect: true` refusing what a review forbids
// before anything is applied (docs/gitops.md, "Plans in code review";
// docs/protection.md).
#include <gtest/gtest.h>

#include "tests/cli_support.h"

namespace vdc::testing {

namespace {

class Review : public ::testing::Test {
 protected:
  void SetUp() override { copyExample("webshop", dir.path() / "shop"); }

  Result run(const std::string& command) { return vdc(dir.path(), command); }

  // db-wal moves to another storage class: the volume is replaced.
  void moveTheWal() { edit("  size: 10GiB", "  size: 10GiB\n  storageClass: fast"); }
  // The database's data volume is protected, as a shop's would be.
  void protectTheData() { edit("  size: 50GiB", "  size: 50GiB\n  protect: true"); }
  void unprotectTheData() { edit("\n  protect: true", ""); }
  void moveTheData() { edit("  storageClass: standard", "  storageClass: fast"); }

  void edit(const std::string& from, const std::string& to) {
    std::string storage = readFile(dir.path() / "shop" / "storage.yaml");
    size_t at = storage.rfind(from);
    ASSERT_NE(at, std::string::npos) << from;
    storage.replace(at, from.size(), to);
    writeFile(dir.path() / "shop" / "storage.yaml", storage);
  }

  // The spec hash the target records for `address`.
  std::string recordedHash(const std::string& address) {
    Json shown = Json::parse(run("show shop --json").out);
    for (const auto& r : shown["resources"])
      if (r["address"] == address) return r["specHash"];
    return "";
  }

  TempDir dir;
};

}  // namespace

TEST_F(Review, AMarkdownPlanNamesItsCommitAndShowsWhatChanges) {
  ASSERT_EQ(shell(dir.path(), "git init -q -b main && git add -A && git -c user.email=t@vdc -c user.name=t commit -qm shop")
                .exit, 0);
  std::string head = shell(dir.path(), "git rev-parse HEAD").out;
  head.pop_back();
  Result plan = run("plan shop --format markdown");
  ASSERT_EQ(plan.exit, 0) << plan.err;
  EXPECT_TRUE(plan.out.starts_with("### vdc plan: VDC `webshop` on `embedded datacenter .vdc/sim.xml`\n")) << plan.out;
  EXPECT_NE(plan.out.find("Manifests at revision `" + head + "`."), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("**Plan: 18 to create, 0 to update, 0 to replace, 0 to delete, 0 unchanged.**"),
            std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("#### Create (18)"), std::string::npos) << plan.out;

  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  moveTheWal();
  plan = run("plan shop --format markdown --detailed-exitcode");
  EXPECT_EQ(plan.exit, 2) << plan.err;
  EXPECT_NE(plan.out.find("#### Replace (1)\n\n- `Volume/db-wal` (`webshop.vol.db-wal` goes)"), std::string::npos)
      << plan.out;
  EXPECT_NE(plan.out.find("| `storageClass` | `\"standard\"` | `\"fast\"` | forces replacement |"), std::string::npos)
      << plan.out;
  // The same plan in the other formats.
  EXPECT_NE(run("plan shop --format json").out.find("\"action\": \"replace\""), std::string::npos);
  EXPECT_NE(run("plan shop --format text").out.find("-/+ Volume/db-wal (replace)"), std::string::npos);
  Result wrong = run("plan shop --format html");
  EXPECT_EQ(wrong.exit, 1);
}

TEST_F(Review, ADeniedChangeFailsThePlanAndTheApplyChangesNothing) {
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  moveTheWal();
  Result plan = run("plan shop --deny delete:Volume");
  EXPECT_EQ(plan.exit, 1);
  EXPECT_NE(plan.out.find("-/+ Volume/db-wal (replace)"), std::string::npos) << "the plan is still shown";
  EXPECT_NE(plan.err.find("error: the plan replaces Volume/db-wal, which --deny delete:Volume forbids"),
            std::string::npos) << plan.err;
  EXPECT_EQ(run("plan shop --deny delete:Network --deny create").exit, 0) << "nothing of those";

  Result apply = run("apply shop --auto-approve --deny replace");
  EXPECT_EQ(apply.exit, 1);
  EXPECT_NE(apply.err.find("1 change is forbidden; nothing was changed."), std::string::npos) << apply.err;
  EXPECT_EQ(run("plan shop --detailed-exitcode").exit, 2) << "the apply went ahead";

  Result destroy = run("destroy shop --auto-approve --deny delete:Instance");
  EXPECT_EQ(destroy.exit, 1);
  EXPECT_NE(destroy.err.find("the plan deletes Instance/db, which --deny delete:Instance forbids"), std::string::npos)
      << destroy.err;
  EXPECT_NE(run("show shop").out.find("Instance/db"), std::string::npos) << "the destroy went ahead";

  Result bad = run("plan shop --deny remove");
  EXPECT_EQ(bad.exit, 1);
  EXPECT_NE(bad.err.find("the action is create, update, replace, delete, adopt or rename"), std::string::npos) << bad.err;
}

TEST_F(Review, ProtectingAVolumeChangesOnlyTheVdcsRecord) {
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  std::string hash = recordedHash("Volume/db-data");
  protectTheData();
  Result plan = run("plan shop");
  EXPECT_NE(plan.out.find("Plan: 0 to create, 1 to update, 0 to replace, 0 to delete"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("~ VirtualDataCenter/webshop"), std::string::npos) << plan.out;
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  EXPECT_EQ(recordedHash("Volume/db-data"), hash) << "the volume was not touched";
  EXPECT_EQ(run("plan shop --detailed-exitcode").exit, 0);
}

TEST_F(Review, AProtectedVolumeIsReplacedOrDestroyedOnlyWhenAllowed) {
  protectTheData();
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  moveTheData();
  Result plan = run("plan shop");
  EXPECT_EQ(plan.exit, 1);
  EXPECT_NE(plan.out.find("-/+ Volume/db-data (replace) (protected)"), std::string::npos) << plan.out;
  EXPECT_NE(plan.err.find("error: the plan replaces Volume/db-data, which is protected (protect: true); to allow it, "
                          "pass --allow-destroy Volume/db-data"),
            std::string::npos) << plan.err;
  EXPECT_NE(run("plan shop --format markdown").out.find("**protected**"), std::string::npos);
  Result apply = run("apply shop --auto-approve");
  EXPECT_EQ(apply.exit, 1);
  EXPECT_NE(apply.err.find("1 change is forbidden; nothing was changed."), std::string::npos) << apply.err;
  EXPECT_EQ(run("plan shop --detailed-exitcode").exit, 1) << "nothing was applied, so it is still refused";
  EXPECT_EQ(run("plan shop --allow-destroy Volume/db-wal").exit, 1) << "another resource's permission is no permission";

  // Allowed at review, the saved plan carries the permission to its apply.
  Result saved = run("plan shop --allow-destroy Volume/db-data --out reviewed.plan");
  ASSERT_EQ(saved.exit, 0) << saved.err;
  EXPECT_NE(saved.out.find("(protected, allowed by --allow-destroy)"), std::string::npos) << saved.out;
  Result applied = run("apply reviewed.plan --auto-approve");
  ASSERT_EQ(applied.exit, 0) << applied.err;
  EXPECT_EQ(run("plan shop --detailed-exitcode").exit, 0);

  // Its manifest gone with its protection, the target's record still protects it.
  std::string instances = readFile(dir.path() / "shop" / "instances.yaml");
  std::string attached = "    - volume: db-data\n      device: vdb\n";
  ASSERT_NE(instances.find(attached), std::string::npos);
  instances.replace(instances.find(attached), attached.size(), "");
  writeFile(dir.path() / "shop" / "instances.yaml", instances);
  std::string storage = readFile(dir.path() / "shop" / "storage.yaml");
  size_t from = storage.find("---\napiVersion: vdc/v1\nkind: Volume\nmetadata:\n  name: db-data");
  ASSERT_NE(from, std::string::npos);
  storage.erase(from, storage.find("---", from + 3) - from);
  writeFile(dir.path() / "shop" / "storage.yaml", storage);
  Result removed = run("apply shop --auto-approve");
  EXPECT_EQ(removed.exit, 1);
  EXPECT_NE(removed.err.find("the plan deletes Volume/db-data, which is protected"), std::string::npos) << removed.err;
  EXPECT_NE(run("show shop").out.find("Volume/db-data"), std::string::npos);

  Result destroy = run("destroy shop --auto-approve");
  EXPECT_EQ(destroy.exit, 1);
  EXPECT_NE(destroy.err.find("the plan deletes Volume/db-data, which is protected"), std::string::npos) << destroy.err;
  EXPECT_NE(run("show shop").out.find("Instance/db"), std::string::npos) << "the destroy went ahead";
  ASSERT_EQ(run("destroy shop --auto-approve --allow-destroy Volume/db-data").exit, 0);
  EXPECT_EQ(run("show shop").out.find("Volume/db-data"), std::string::npos);

  Result bad = run("plan shop --allow-destroy db-data");
  EXPECT_EQ(bad.exit, 1);
  EXPECT_NE(bad.err.find("--allow-destroy db-data: name a resource as Kind/name"), std::string::npos) << bad.err;
}

}  // namespace vdc::testing
