#include "engine/plan.h"

#include <gtest/gtest.h>

#include <functional>

#include "engine/hash.h"
#include "engine/render.h"
#include "engine/test_support.h"

namespace vdc {

static Plan samplePlan() {
  Plan plan;
  plan.vdc = "shop";
  plan.directory = "/x";
  plan.target = "embedded datacenter .vdc/sim.xml";
  plan.liveFingerprint = sha256Hex("live");
  plan.unchanged = 7;
  Change create;
  create.id = {Kind::Network, "n"};
  create.after = {{"cidr", "10.0.0.0/24"}};
  create.specHash = sha256Hex("h1");
  create.dependencies = {{Kind::VirtualDataCenter, "shop"}};
  Change update;
  update.id = {Kind::Instance, "web"};
  update.action = Action::Update;
  update.before = {{"memory", "1GiB"}};
  update.after = {{"memory", "2GiB"}};
  update.specHash = sha256Hex("h2");
  update.fields = {{"memory", "1GiB", "2GiB", false, false}};
  Change replace;
  replace.id = {Kind::Volume, "data"};
  replace.action = Action::Replace;
  replace.before = {{"size", "2GiB"}};
  replace.after = {{"size", "1GiB"}};
  replace.specHash = sha256Hex("h3");
  replace.physical = "shop.vol.data";
  replace.fields = {{"size", "2GiB", "1GiB", true, false}};
  replace.protect = true;
  Change remove;
  remove.id = {Kind::Instance, "old"};
  remove.action = Action::Delete;
  remove.before = {{"cpus", 1}};
  remove.physical = "shop.old";
  Change drift;
  drift.id = {Kind::Instance, "db"};
  drift.action = Action::Update;
  drift.drift = true;
  drift.before = {{"state", "stopped"}};
  drift.after = {{"state", "running"}};
  drift.specHash = sha256Hex("h4");
  drift.fields = {{"state", "stopped", "running", false, true}};
  plan.changes = {create, update, replace, remove, drift};
  plan.allowDestroy = {{Kind::Volume, "data"}};
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
  EXPECT_TRUE(loaded.changes[2].protect);
  EXPECT_EQ(loaded.allowDestroy, plan.allowDestroy) << "what --allow-destroy allowed is reviewed with the plan";
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

TEST(Plan, APlanEditedByHandIsRefusedAtItsDigest) {
  Json json = samplePlan().toJson();
  EXPECT_NO_THROW(Plan::fromJson(json));
  json["changes"][1]["after"]["memory"] = "64GiB";  // a well-formed edit
  try {
    Plan::fromJson(json);
    FAIL() << "an edited plan was taken";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("its digest does not match its contents"), std::string::npos) << e.what();
  }
  json.erase("digest");
  EXPECT_THROW(Plan::fromJson(json), Error);
}

// Each spoiled with its digest made to match, as someone who knows the
// format could: the checks behind the digest refuse each.
// Makes the change `change` a rename from `from`.
static void renameOf(Json& change, const std::string& from) {
  change["action"] = "rename";
  change["renamedFrom"] = from;
  change["physical"] = "shop." + from;
}

static const char* kFingerprint = "SHA256:px55jh9QoPzcoCh2P4Qel0FqHo21nQ/w8vINeHEOGws";

TEST(Plan, AnInstancesKeyFingerprintsLoad) {
  Json json = samplePlan().toJson();
  json["changes"][1]["after"]["keyPairs"] = {"ops"};
  json["changes"][1]["after"]["keyFingerprints"] = {{"ops", kFingerprint}};
  json["digest"] = Plan::digest(json);
  EXPECT_EQ(Plan::fromJson(json).changes[1].after["keyFingerprints"]["ops"], kFingerprint);
}

TEST(Plan, ARenameVdcWouldPlanLoads) {
  Json json = samplePlan().toJson();
  renameOf(json["changes"][1], "was");
  json["digest"] = Plan::digest(json);
  Plan plan = Plan::fromJson(json);
  EXPECT_EQ(plan.changes[1].action, Action::Rename);
  EXPECT_EQ(plan.changes[1].renamedFrom, "was");
}

TEST(Plan, APlanHoldingWhatVdcNeverWritesIsRefused) {
  struct Spoil {
    const char* what;
    std::function<void(Json&)> apply;
  };
  std::vector<Spoil> spoils = {
      {"a VDC name that is a path", [](Json& j) { j["vdc"] = "../etc"; }},
      {"a relative directory", [](Json& j) { j["directory"] = "shop"; }},
      {"a directory with a line feed", [](Json& j) { j["directory"] = "/x\ny"; }},
      {"a fingerprint that is not one", [](Json& j) { j["liveFingerprint"] = "x"; }},
      {"a resource name that is a path", [](Json& j) { j["changes"][0]["address"] = "Network/../x"; }},
      {"an upper-case name", [](Json& j) { j["changes"][0]["address"] = "Network/N"; }},
      {"an unknown kind", [](Json& j) { j["changes"][0]["address"] = "Rootkit/n"; }},
      {"a spec hash that is not one", [](Json& j) { j["changes"][0]["specHash"] = "zz"; }},
      {"a CIDR that is not one", [](Json& j) { j["changes"][0]["after"]["cidr"] = "10.0.0.0/33"; }},
      {"a field of another type", [](Json& j) { j["changes"][1]["after"]["cpus"] = "two"; }},
      {"a size that is not one", [](Json& j) { j["changes"][1]["after"]["memory"] = "-1"; }},
      {"an enum outside its choices", [](Json& j) { j["changes"][1]["after"]["state"] = "exploded"; }},
      {"a field no kind has", [](Json& j) { j["changes"][1]["after"]["domainXml"] = "<domain/>"; }},
      {"a reference that is a path", [](Json& j) { j["changes"][1]["after"]["image"] = "../../etc"; }},
      {"a dependency that is no resource", [](Json& j) { j["changes"][1]["after"]["dependsOn"] = {"x"}; }},
      {"a physical name that is a path", [](Json& j) { j["changes"][3]["physical"] = "../../etc/passwd"; }},
      {"a spec that is not an object", [](Json& j) { j["changes"][0]["after"] = Json::array({1}); }},
      {"a dependency named by a path", [](Json& j) { j["changes"][0]["dependencies"] = {"VirtualDataCenter/../x"}; }},
      {"an allowed destroy that is no resource", [](Json& j) { j["allowDestroy"] = {"Volume/../x"}; }},
      {"a protection that is not a flag", [](Json& j) { j["changes"][2]["protected"] = "yes"; }},
      {"a key's fingerprint that is not one",
       [](Json& j) { j["changes"][1]["after"]["keyFingerprints"] = {{"ops", "SHA256:x\ny"}}; }},
      {"a key's fingerprint for a key pair the instance does not name",
       [](Json& j) {
         j["changes"][1]["after"]["keyPairs"] = {"ops"};
         j["changes"][1]["after"]["keyFingerprints"] = {{"ops", kFingerprint}, {"dev", kFingerprint}};
       }},
      {"a key's fingerprint under a name that is a path",
       [](Json& j) { j["changes"][1]["after"]["keyFingerprints"] = {{"../ops", kFingerprint}}; }},
      {"key fingerprints that are a list", [](Json& j) { j["changes"][1]["after"]["keyFingerprints"] = {kFingerprint}; }},
      {"a rename from what the plan holds",
       [](Json& j) { renameOf(j["changes"][1], "old"); }},
      {"a rename of itself", [](Json& j) { renameOf(j["changes"][1], "web"); }},
      {"a rename of a kind vdc does not rename", [](Json& j) { renameOf(j["changes"][0], "m"); }},
      {"a rename with no name on the target",
       [](Json& j) {
         renameOf(j["changes"][1], "was");
         j["changes"][1].erase("physical");
       }},
      {"two renames from one name",
       [](Json& j) {
         renameOf(j["changes"][1], "was");
         j["changes"][4]["address"] = "Instance/db";
         renameOf(j["changes"][4], "was");
       }},
      {"a VDC protecting what is no resource",
       [](Json& j) {
         j["changes"][0]["address"] = "VirtualDataCenter/shop";
         j["changes"][0]["after"] = {{"description", ""}, {"protected", {"Volume/../../etc"}}};
       }},
  };
  for (const auto& spoil : spoils) {
    Json json = samplePlan().toJson();
    spoil.apply(json);
    json["digest"] = Plan::digest(json);
    EXPECT_THROW(Plan::fromJson(json), Error) << spoil.what;
  }
}

// Found by the fuzzer: a float where an integer belongs was read as one
// (undefined behaviour). Each such number is now refused by its type.
TEST(Plan, NumbersOfTheWrongKindAreRefusedNotConverted) {
  EXPECT_THROW(Plan::fromJson(Json{{"formatVersion", 4.44e107}}), Error);
  EXPECT_THROW(Plan::fromJson(Json{{"formatVersion", 1.0}}), Error);
  Json json = samplePlan().toJson();
  json["summary"]["unchanged"] = 1e300;
  json["digest"] = Plan::digest(json);
  EXPECT_THROW(Plan::fromJson(json), Error);
  json["summary"]["unchanged"] = -1;
  json["digest"] = Plan::digest(json);
  EXPECT_THROW(Plan::fromJson(json), Error);
  size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::string(VDC_SOURCE_DIR) + "/tests/fuzz-regressions/plan")) {
    Json found = Json::parse(testing::readFile(entry.path()), nullptr, false);
    if (!found.is_discarded()) {
      EXPECT_THROW(Plan::fromJson(found), Error) << entry.path();
    }
    ++checked;
  }
  EXPECT_GE(checked, 1u);
}

TEST(Plan, RendersSymbolsFieldsAndSummary) {
  std::string text = renderPlan(samplePlan());
  EXPECT_NE(text.find("   + Network/n\n      cidr: \"10.0.0.0/24\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find("   ~ Instance/web\n      memory: \"1GiB\" -> \"2GiB\"\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" -/+ Volume/data (replace) (protected, allowed by --allow-destroy) (cannot be undone: the volume's data is "
                      "lost)\n      size: \"2GiB\" -> \"1GiB\"   # forces replacement"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("   - Instance/old (deletes 'shop.old')\n"), std::string::npos) << text;
  EXPECT_NE(text.find("   ~ Instance/db (drift)\n      state: \"stopped\" -> \"running\"   # drift"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Plan: 1 to create, 2 to update, 1 to replace, 1 to delete, 7 unchanged."), std::string::npos)
      << text;
}

// A value may hold what reorders a terminal's line (U+202E) or is a C1 control.
TEST(Plan, RendersNoTextThatHidesOrReordersALine) {
  Plan plan = samplePlan();
  Change& c = plan.changes.front();
  c.after["labels"] = {{"owner\xE2\x80\xAE", "evil\xC2\x9B" "2J\xE2\x81\xA6"}};
  std::string text = renderPlan(plan);
  EXPECT_NE(text.find(R"(labels: {"owner\u202E":"evil\u009B2J\u2066"})"), std::string::npos) << text;
  EXPECT_EQ(text.find("\xE2\x80\xAE"), std::string::npos);
  EXPECT_EQ(text.find("\xC2\x9B"), std::string::npos);
}

TEST(Plan, EmptyPlanSaysNoChanges) {
  Plan plan;
  plan.vdc = "x";
  plan.unchanged = 3;
  EXPECT_NE(renderPlan(plan).find("No changes"), std::string::npos);
}

}  // namespace vdc
