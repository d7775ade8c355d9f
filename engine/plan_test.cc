#include "engine/plan.h"

#include <gtest/gtest.h>

#include "engine/render.h"
#include "engine/test_support.h"

namespace vdc {

static Plan samplePlan() {
  Plan plan;
  plan.vdc = "shop";
  plan.directory = "/x";
  plan.target = "embedded datacenter .vdc/sim.xml";
  plan.liveFingerprint = "abc";
  plan.unchanged = 7;
  Change create;
  create.id = {Kind::Network, "n"};
  create.after = {{"cidr", "10.0.0.0/24"}};
  create.specHash = "h1";
  create.dependencies = {{Kind::VirtualDataCenter, "shop"}};
  Change update;
  update.id = {Kind::Instance, "web"};
  update.action = Action::Update;
  update.before = {{"memory", "1GiB"}};
  update.after = {{"memory", "2GiB"}};
  update.fields = {{"memory", "1GiB", "2GiB", false, false}};
  Change replace;
  replace.id = {Kind::Volume, "data"};
  replace.action = Action::Replace;
  replace.before = {{"size", "2GiB"}};
  replace.after = {{"size", "1GiB"}};
  replace.fields = {{"size", "2GiB", "1GiB", true, false}};
  Change remove;
  remove.id = {Kind::Instance, "old"};
  remove.action = Action::Delete;
  remove.before = {{"cpus", 1}};
  Change drift;
  drift.id = {Kind::Instance, "db"};
  drift.action = Action::Update;
  drift.drift = true;
  drift.before = {{"state", "stopped"}};
  drift.after = {{"state", "running"}};
  drift.fields = {{"state", "stopped", "running", false, true}};
  plan.changes = {create, update, replace, remove, drift};
  return plan;
}

TEST(Plan, SurvivesSaveAndLoad) {
  testing::TempDir dir;
  Plan plan = samplePlan();
  std::string file = (dir.path() / "p.plan").string();
  plan.save(file);
  Plan loaded = Plan::load(file);
  EXPECT_EQ(loaded.toJson(), plan.toJson());
  EXPECT_EQ(loaded.changes[2].fields[0].forcesReplacement, true);
}

TEST(Plan, RejectsForeignOrDamagedFiles) {
  EXPECT_THROW(Plan::fromJson(Json{{"formatVersion", 99}}), Error);
  Json json = samplePlan().toJson();
  json["changes"][0]["action"] = "explode";
  EXPECT_THROW(Plan::fromJson(json), Error);
  json = samplePlan().toJson();
  json["changes"][0].erase("after");
  EXPECT_THROW(Plan::fromJson(json), Error);
}

TEST(Plan, RendersSymbolsFieldsAndSummary) {
  std::string text = renderPlan(samplePlan());
  EXPECT_NE(text.find("   + Network/n\n      cidr: \"10.0.0.0/24\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("   ~ Instance/web\n      memory: \"1GiB\" -> \"2GiB\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" -/+ Volume/data (replace)\n      size: \"2GiB\" -> \"1GiB\"   # forces replacement"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("   - Instance/old\n"), std::string::npos) << text;
  EXPECT_NE(text.find("   ~ Instance/db (drift)\n      state: \"stopped\" -> \"running\"   # drift"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Plan: 1 to create, 2 to update, 1 to replace, 1 to delete, 7 unchanged."), std::string::npos)
      << text;
}

TEST(Plan, EmptyPlanSaysNoChanges) {
  Plan plan;
  plan.vdc = "x";
  plan.unchanged = 3;
  EXPECT_NE(renderPlan(plan).find("No changes"), std::string::npos);
}

}  // namespace vdc
