// Partial plans on the example VDC: --only and --exclude on plan, apply and
// destroy (engine/filter.h; docs/commands.md, "Partial plans").
#include <gtest/gtest.h>

#include "tests/cli_support.h"

namespace vdc::testing {

namespace {

class Partial : public ::testing::Test {
 protected:
  void SetUp() override { copyExample("webshop", dir.path() / "shop"); }
  Result run(const std::string& command) { return vdc(dir.path(), command); }
  std::string shown() { return run("show shop").out; }
  TempDir dir;
};

}  // namespace

TEST_F(Partial, OnlyAppliesTheNamedReplicasAndWhatTheyNeedThenTheRestFollows) {
  Result plan = run("plan --only Instance/web shop");  // one value a flag: shop is the directory
  ASSERT_EQ(plan.exit, 0) << plan.err;
  EXPECT_NE(plan.out.find("Partial plan (--only Instance/web): 9 changes left out:"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("Plan: 9 to create"), std::string::npos) << plan.out;

  Result apply = run("apply shop --only Instance/web --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.err;
  EXPECT_NE(apply.out.find("Apply complete: 9 created"), std::string::npos) << apply.out;
  EXPECT_NE(shown().find("Instance/web-2"), std::string::npos);
  EXPECT_EQ(shown().find("Instance/db"), std::string::npos) << "not selected";

  Result rest = run("plan shop --detailed-exitcode");
  EXPECT_EQ(rest.exit, 2);
  EXPECT_NE(rest.out.find("Plan: 9 to create, 0 to update"), std::string::npos) << rest.out;
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  EXPECT_EQ(run("plan shop --detailed-exitcode").exit, 0);
}

TEST_F(Partial, ExcludeSaysWhatItLeavesOutAndASavedPlanKeepsIt) {
  Result saved = run("plan shop --exclude Network/data --out partial.plan");
  ASSERT_EQ(saved.exit, 0) << saved.err;
  EXPECT_NE(saved.out.find("   + Instance/db (comes after Network/data, which is left out)"), std::string::npos)
      << saved.out;
  Json json = Json::parse(readFile(dir.path() / "partial.plan"));
  EXPECT_EQ(json["filter"]["exclude"], Json({"Network/data"}));
  EXPECT_EQ(run("apply partial.plan --only Instance/web").exit, 1) << "a saved plan is applied whole";
  Result applied = run("apply partial.plan");
  ASSERT_EQ(applied.exit, 0) << applied.err;
  EXPECT_EQ(shown().find("Network/data"), std::string::npos);
  EXPECT_NE(shown().find("Instance/web-0"), std::string::npos);
}

TEST_F(Partial, DestroyOnlyTakesWhatMustGoFirst) {
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  Result destroy = run("destroy shop --only Volume/db-wal --auto-approve");
  ASSERT_EQ(destroy.exit, 0) << destroy.err;
  EXPECT_NE(destroy.out.find("Apply complete: 0 created, 0 updated, 0 replaced, 2 deleted."), std::string::npos)
      << destroy.out;
  EXPECT_EQ(shown().find("Volume/db-wal"), std::string::npos);
  EXPECT_EQ(shown().find("Instance/db "), std::string::npos) << "the instance it was attached to went first";
  EXPECT_NE(shown().find("Volume/db-data"), std::string::npos);

  Result typo = run("destroy shop --exclude Instance/dbb --auto-approve");
  EXPECT_EQ(typo.exit, 1);
  EXPECT_NE(typo.err.find("--exclude Instance/dbb: the VDC has no such resource"), std::string::npos) << typo.err;
  EXPECT_NE(shown().find("Network/backend"), std::string::npos) << "nothing was destroyed";
}

}  // namespace vdc::testing
