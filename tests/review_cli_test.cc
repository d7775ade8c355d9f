// Plans for review: `vdc plan --format markdown` for a pull request's
// comment, and `--deny` refusing what a review forbids before anything is
// applied (docs/gitops.md, "Plans in code review").
#include <gtest/gtest.h>

#include "tests/cli_support.h"

namespace vdc::testing {

namespace {

class Review : public ::testing::Test {
 protected:
  void SetUp() override { copyExample("webshop", dir.path() / "shop"); }

  Result run(const std::string& command) { return vdc(dir.path(), command); }

  // db-wal moves to another storage class: the volume is replaced.
  void moveTheWal() {
    std::string storage = readFile(dir.path() / "shop" / "storage.yaml");
    storage.replace(storage.rfind("  size: 10GiB"), 13, "  size: 10GiB\n  storageClass: fast");
    writeFile(dir.path() / "shop" / "storage.yaml", storage);
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
  EXPECT_EQ(run("plan shop --deny delete:Network --deny update").exit, 0) << "nothing of those";

  Result apply = run("apply shop --auto-approve --deny replace");
  EXPECT_EQ(apply.exit, 1);
  EXPECT_NE(apply.err.find("1 change is denied; nothing was changed."), std::string::npos) << apply.err;
  EXPECT_EQ(run("plan shop --detailed-exitcode").exit, 2) << "the apply went ahead";

  Result destroy = run("destroy shop --auto-approve --deny delete:Instance");
  EXPECT_EQ(destroy.exit, 1);
  EXPECT_NE(destroy.err.find("the plan deletes Instance/db, which --deny delete:Instance forbids"), std::string::npos)
      << destroy.err;
  EXPECT_NE(run("show shop").out.find("Instance/db"), std::string::npos) << "the destroy went ahead";

  Result bad = run("plan shop --deny remove");
  EXPECT_EQ(bad.exit, 1);
  EXPECT_NE(bad.err.find("the action is create, update, replace, delete or adopt"), std::string::npos) << bad.err;
}

}  // namespace vdc::testing
