// --only and --exclude on the example VDCs: which changes a partial plan
// keeps, which it leaves out and why.
#include "engine/filter.h"

#include <gtest/gtest.h>

#include "engine/diff.h"
#include "engine/loader.h"
#include "engine/render.h"
#include "engine/test_support.h"

namespace vdc {

namespace {

Vdc example(const std::string& name) {
  Diagnostics diags;
  Vdc vdc = loadVdc(std::string(VDC_SOURCE_DIR) + "/examples/" + name, diags);
  EXPECT_TRUE(diags.empty()) << diags.str();
  return vdc;
}

std::set<ResourceId> known(const Vdc& vdc) {
  std::set<ResourceId> ids;
  for (const auto& r : vdc.resources) ids.insert(r.id);
  return ids;
}

// Everything of `vdc` to create, on an empty target.
Plan creation(const Vdc& vdc) {
  Diagnostics problems;
  return diff(vdc, LiveState(), "t", false, problems);
}

std::set<std::string> addresses(const Plan& plan) {
  std::set<std::string> out;
  for (const auto& c : plan.changes) out.insert(c.id.str());
  return out;
}

std::string whyLeftOut(const Plan& plan, const std::string& address) {
  for (const auto& l : plan.leftOut)
    if (l.id.str() == address) return l.why;
  return "";
}

}  // namespace

TEST(Filter, OnlyTakesTheNamedReplicasAndWhatTheyNeed) {
  Vdc shop = example("webshop");
  Plan plan = creation(shop);
  size_t all = plan.changes.size();
  filterPlan(plan, {{"Instance/web"}, {}}, known(shop));
  EXPECT_EQ(addresses(plan),
            (std::set<std::string>{"VirtualDataCenter/webshop", "Network/frontend", "Network/backend",
                                   "SecurityGroup/web", "Image/debian-12", "KeyPair/ops", "Instance/web-0",
                                   "Instance/web-1", "Instance/web-2"}))
      << renderPlan(plan);
  EXPECT_EQ(plan.changes.size() + plan.leftOut.size(), all);
  EXPECT_EQ(whyLeftOut(plan, "Instance/db"), "not selected");
  EXPECT_EQ(whyLeftOut(plan, "LoadBalancer/shop"), "not selected") << "it needs web; web does not need it";
  std::string shown = renderPlan(plan);
  EXPECT_NE(shown.find("Partial plan (--only Instance/web): " + std::to_string(plan.leftOut.size()) +
                       " changes left out:\n"),
            std::string::npos) << shown;
  EXPECT_NE(shown.find("   + Instance/db (not selected)\n"), std::string::npos) << shown;
}

TEST(Filter, ExcludeLeavesOutWhatComesAfterAndSaysWhy) {
  Vdc shop = example("webshop");
  Plan plan = creation(shop);
  filterPlan(plan, {{}, {"Network/data"}}, known(shop));
  EXPECT_EQ(whyLeftOut(plan, "Network/data"), "excluded");
  EXPECT_EQ(whyLeftOut(plan, "Instance/db"), "comes after Network/data, which is left out");
  EXPECT_TRUE(addresses(plan).count("Instance/web-0")) << "web is not on the data network";
  EXPECT_FALSE(addresses(plan).count("Instance/db"));
}

TEST(Filter, WhatFollowsAReplaceIsKeptAndLeftOutWithIt) {
  Vdc shop = example("webshop");
  LiveState live = testing::liveOf(shop);
  testing::recordedAs(live, {Kind::Volume, "db-data"}, "storageClass", "slow");
  Diagnostics problems;
  Plan made = diff(shop, live, "t", false, problems);
  Plan only = made, excluded = made;
  filterPlan(only, {{"Volume/db-data"}, {}}, known(shop));
  EXPECT_TRUE(addresses(only).count("Instance/db")) << "its instance lets go of it first";
  filterPlan(excluded, {{}, {"Instance/db"}}, known(shop));
  EXPECT_EQ(whyLeftOut(excluded, "Volume/db-data"), "comes after Instance/db, which is left out");
  EXPECT_TRUE(excluded.changes.empty());
}

TEST(Filter, ADeleteComesBeforeWhatItNeededSoOnlyTakesItsDependentsToo) {
  Vdc shop = example("webshop");
  Plan destroy = destroyPlan("webshop", testing::liveOf(shop), "t");
  filterPlan(destroy, {{"Volume/db-data"}, {}}, known(shop));
  EXPECT_EQ(addresses(destroy), (std::set<std::string>{"Volume/db-data", "Instance/db"}))
      << "the instance it is attached to goes first";

  destroy = destroyPlan("webshop", testing::liveOf(shop), "t");
  filterPlan(destroy, {{}, {"Instance/db"}}, known(shop));
  EXPECT_TRUE(addresses(destroy).count("Instance/web-0"));
  EXPECT_FALSE(addresses(destroy).count("Volume/db-data")) << "attached to the instance that stays";
  EXPECT_EQ(whyLeftOut(destroy, "VirtualDataCenter/webshop"), "comes after Instance/db, which is left out")
      << "the VDC's record goes last of all";
}

TEST(Filter, BothOnTheHadoopExample) {
  Vdc hadoop = example("hadoop");
  Plan plan = creation(hadoop);
  // The workers without the one whose disk is being looked at.
  filterPlan(plan, {{"Instance/worker-0", "Instance/worker-1"}, {"Volume/data-1"}}, known(hadoop));
  EXPECT_TRUE(addresses(plan).count("Instance/worker-0"));
  EXPECT_TRUE(addresses(plan).count("Volume/data-0")) << "worker-0 needs its disk";
  EXPECT_TRUE(addresses(plan).count("Network/hdfs"));
  EXPECT_EQ(whyLeftOut(plan, "Instance/worker-1"), "comes after Volume/data-1, which is left out");
  EXPECT_TRUE(addresses(plan).count("Instance/master")) << "the workers depend on it";
  EXPECT_EQ(whyLeftOut(plan, "Instance/worker-2"), "not selected");
  filterPlan(plan = creation(hadoop), {{}, {"VirtualDataCenter/hadoop"}}, known(hadoop));
  EXPECT_TRUE(plan.changes.empty()) << "everything comes after the VDC's record: " << renderPlan(plan);
  EXPECT_TRUE(plan.partial());
}

TEST(Filter, AnAddressThatNamesNothingIsAnError) {
  Vdc shop = example("webshop");
  Plan plan = creation(shop);
  EXPECT_EQ(testing::errorOf([&] { filterPlan(plan, {{"Instance/wbe"}, {}}, known(shop)); }),
            "--only Instance/wbe: the VDC has no such resource, in its manifests or on the target");
  EXPECT_NE(testing::errorOf([&] { filterPlan(plan, {{}, {"web"}}, known(shop)); }).find("name a resource as Kind/name"),
            std::string::npos);
  EXPECT_EQ(plan.leftOut.size(), 0u) << "nothing was filtered";
}

TEST(Filter, ASavedPlanKeepsItsFilter) {
  Vdc shop = example("webshop");
  Plan plan = creation(shop);
  plan.directory = "/x";
  plan.liveFingerprint = std::string(64, 'a');
  filterPlan(plan, {{"Instance/app"}, {"SecurityGroup/web"}}, known(shop));
  Plan loaded = Plan::fromJson(plan.toJson());
  EXPECT_EQ(loaded.only, (std::vector<std::string>{"Instance/app"}));
  EXPECT_EQ(loaded.exclude, (std::vector<std::string>{"SecurityGroup/web"}));
  ASSERT_EQ(loaded.leftOut.size(), plan.leftOut.size());
  EXPECT_EQ(loaded.toJson(), plan.toJson());
  Json spoiled = plan.toJson();
  spoiled["filter"]["leftOut"][0]["reason"] = "\x1b[2Jgone";
  spoiled["digest"] = Plan::digest(spoiled);
  EXPECT_THROW(Plan::fromJson(spoiled), Error);
}

}  // namespace vdc
