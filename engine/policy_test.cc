// What a plan may not do: --deny, and the protection of `protect: true`.
#include "engine/policy.h"

#include <gtest/gtest.h>

#include "engine/diff.h"
#include "base/error.h"
#include "engine/render.h"
#include "engine/test_support.h"

namespace vdc {
namespace {

Change change(Kind kind, const std::string& name, Action action) {
  Change c;
  c.id = {kind, name};
  c.action = action;
  return c;
}

TEST(Policy, DeleteDeniesDeletesAndReplacementsOfItsKind) {
  Plan plan;
  plan.changes = {change(Kind::Volume, "data", Action::Replace), change(Kind::Volume, "old", Action::Delete),
                  change(Kind::Network, "spare", Action::Delete), change(Kind::Volume, "new", Action::Create)};
  EXPECT_EQ(deniedChanges(plan, {parseDenial("delete:Volume")}),
            (std::vector<std::string>{"the plan replaces Volume/data, which --deny delete:Volume forbids",
                                      "the plan deletes Volume/old, which --deny delete:Volume forbids"}));
  EXPECT_EQ(deniedChanges(plan, {parseDenial("delete")}).size(), 3u);
  EXPECT_EQ(deniedChanges(plan, {parseDenial("replace")}),
            (std::vector<std::string>{"the plan replaces Volume/data, which --deny replace forbids"}));
  EXPECT_TRUE(deniedChanges(plan, {parseDenial("update"), parseDenial("create:Network")}).empty());
  EXPECT_EQ(deniedChanges(plan, {parseDenial("delete"), parseDenial("replace")}).size(), 3u) << "one line a change";
}

TEST(Policy, AWrongDenialSaysWhatIsWrong) {
  EXPECT_THROW(parseDenial("remove"), Error);
  try {
    parseDenial("delete:Volumes");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "--deny delete:Volumes: 'Volumes' is no kind");
  }
}

const char* kVolumes =
    "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: db}\nspec: {size: 10GiB, protect: true}\n---\n"
    "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: scratch}\nspec: {size: 10GiB}\n";

Vdc load(const std::string& yaml) {
  Diagnostics diags;
  Vdc vdc = testing::loadYaml(yaml, diags);
  EXPECT_TRUE(diags.empty()) << diags.str();
  return vdc;
}

Plan planOf(const Vdc& desired, const LiveState& live) {
  Diagnostics problems;
  Plan plan = diff(desired, live, "t", false, problems);
  EXPECT_TRUE(problems.empty()) << problems.str();
  return plan;
}

const Change* find(const Plan& plan, const ResourceId& id) {
  for (const auto& c : plan.changes)
    if (c.id == id) return &c;
  return nullptr;
}

std::string withoutProtect(std::string yaml) {
  yaml.replace(yaml.find(", protect: true"), std::string(", protect: true").size(), "");
  return yaml;
}

TEST(Protection, ProtectIsNoPartOfTheObjectButTheVdcsRecordListsIt) {
  Vdc protectedVdc = load(kVolumes), plain = load(withoutProtect(kVolumes));
  const Resource* db = protectedVdc.find({Kind::Volume, "db"});
  ASSERT_TRUE(db);
  EXPECT_TRUE(db->protect);
  EXPECT_FALSE(db->spec.contains("protect"));
  EXPECT_EQ(db->specHash, plain.find({Kind::Volume, "db"})->specHash);
  EXPECT_FALSE(protectedVdc.find({Kind::Volume, "scratch"})->protect);
  EXPECT_EQ(protectedVdc.find({Kind::VirtualDataCenter, "test"})->spec["protected"], Json({"Volume/db"}));
  EXPECT_FALSE(plain.find({Kind::VirtualDataCenter, "test"})->spec.contains("protected"))
      << "a VDC that protects nothing keeps the record it had";
}

TEST(Protection, ProtectingOrNotChangesOnlyTheVdcsRecord) {
  for (bool protecting : {true, false}) {
    Vdc before = load(protecting ? withoutProtect(kVolumes) : kVolumes);
    Vdc after = load(protecting ? kVolumes : withoutProtect(kVolumes));
    Plan plan = planOf(after, testing::liveOf(before));
    ASSERT_EQ(plan.changes.size(), 1u) << renderPlan(plan);
    EXPECT_EQ(plan.changes[0].id, (ResourceId{Kind::VirtualDataCenter, "test"}));
    EXPECT_EQ(plan.changes[0].action, Action::Update);
    ASSERT_EQ(plan.changes[0].fields.size(), 1u);
    EXPECT_EQ(plan.changes[0].fields[0].path, "protected");
  }
}

TEST(Protection, AProtectedResourceGoneFromTheManifestsIsKnownFromTheRecord) {
  LiveState live = testing::liveOf(load(kVolumes));
  // Its manifest and its protection are gone together: the record still protects it.
  std::string onlyScratch = kVolumes;
  onlyScratch.erase(0, onlyScratch.find("---\n") + 4);
  Plan plan = planOf(load(onlyScratch), live);
  const Change* db = find(plan, {Kind::Volume, "db"});
  ASSERT_TRUE(db);
  EXPECT_EQ(db->action, Action::Delete);
  EXPECT_TRUE(db->protect);
  EXPECT_FALSE(find(plan, {Kind::Volume, "scratch"})) << "scratch stays";
  EXPECT_EQ(protectedChanges(plan),
            (std::vector<std::string>{"the plan deletes Volume/db, which is protected (protect: true); to allow it, "
                                      "pass --allow-destroy Volume/db"}));
  EXPECT_NE(renderPlan(plan).find("- Volume/db (deletes 'test.db') (protected)"), std::string::npos) << renderPlan(plan);
  plan.allowDestroy = {{Kind::Volume, "db"}};
  EXPECT_TRUE(protectedChanges(plan).empty());
  EXPECT_NE(renderPlan(plan).find("(protected, allowed by --allow-destroy)"), std::string::npos);
}

TEST(Protection, AReplaceOfAProtectedResourceIsRefusedAndADestroyToo) {
  Vdc vdc = load(kVolumes);
  LiveState live = testing::liveOf(vdc);
  LiveObject db = *live.find({Kind::Volume, "db"});
  db.observed["size"] = "20GiB";  // shrinking to 10GiB makes it anew
  live.add(db);
  Plan plan = planOf(vdc, live);
  ASSERT_EQ(find(plan, {Kind::Volume, "db"})->action, Action::Replace);
  EXPECT_EQ(protectedChanges(plan).size(), 1u);
  EXPECT_NE(protectedChanges(plan)[0].find("the plan replaces Volume/db"), std::string::npos);

  Plan destroy = destroyPlan("test", testing::liveOf(vdc), "t");
  EXPECT_EQ(destroy.changes.size(), 3u);
  ASSERT_EQ(protectedChanges(destroy).size(), 1u) << "only db is protected";
  destroy.allowDestroy = {{Kind::Volume, "db"}};
  EXPECT_TRUE(protectedChanges(destroy).empty());
}

TEST(Protection, AllowDestroyNamesAResource) {
  EXPECT_EQ(parseAddress("--allow-destroy", "Volume/db"), (ResourceId{Kind::Volume, "db"}));
  for (const char* wrong : {"db", "Volume/", "Volumes/db", "Volume/../db", "Volume/DB"})
    EXPECT_THROW(parseAddress("--allow-destroy", wrong), Error) << wrong;
}

}  // namespace
}  // namespace vdc
