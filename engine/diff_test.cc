#include "engine/diff.h"

#include <gtest/gtest.h>

#include "engine/hash.h"
#include "engine/render.h"
#include "engine/test_support.h"

namespace vdc {

namespace {

const char* kYaml =
    "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: n}\nspec: {cidr: 10.0.0.0/24}\n---\n"
    "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: v}\nspec: {size: 10GiB}\n---\n"
    "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: i}\nspec:\n  memory: 1GiB\n  interfaces: [{network: n}]\n"
    "  volumes: [{volume: v}]\n";

Vdc desired() {
  Diagnostics diags;
  Vdc vdc = testing::loadYaml(kYaml, diags);
  EXPECT_TRUE(diags.empty()) << diags.str();
  return vdc;
}

const Change* find(const Plan& plan, const ResourceId& id) {
  for (const auto& c : plan.changes)
    if (c.id == id) return &c;
  return nullptr;
}

}  // namespace

TEST(Diff, EverythingIsCreatedOnAnEmptyTarget) {
  Vdc vdc = desired();
  Diagnostics problems;
  Plan plan = diff(vdc, LiveState(), "t", false, problems);
  EXPECT_EQ(plan.summary().create, 4u);
  EXPECT_EQ(plan.changes.front().id.kind, Kind::VirtualDataCenter);
  const Change* instance = find(plan, {Kind::Instance, "i"});
  ASSERT_TRUE(instance);
  EXPECT_NE(std::find(instance->dependencies.begin(), instance->dependencies.end(), ResourceId{Kind::Network, "n"}),
            instance->dependencies.end());
}

TEST(Diff, MatchingLiveStateIsANoOp) {
  Vdc vdc = desired();
  Diagnostics problems;
  Plan plan = diff(vdc, testing::liveOf(vdc), "t", false, problems);
  EXPECT_TRUE(plan.empty());
  EXPECT_EQ(plan.unchanged, 4u);
}

TEST(Diff, AChangedFieldIsAnUpdateWithOldAndNew) {
  Vdc vdc = desired();
  LiveState live = testing::liveOf(vdc);
  LiveObject instance = *live.find({Kind::Instance, "i"});
  instance.recorded["memory"] = "512MiB";
  instance.specHash = "old";
  live.add(instance);
  Diagnostics problems;
  Plan plan = diff(vdc, live, "t", false, problems);
  ASSERT_EQ(plan.changes.size(), 1u);
  const Change& c = plan.changes[0];
  EXPECT_EQ(c.action, Action::Update);
  ASSERT_EQ(c.fields.size(), 1u);
  EXPECT_EQ(c.fields[0].path, "memory");
  EXPECT_EQ(c.fields[0].before, "512MiB");
  EXPECT_EQ(c.fields[0].after, "1GiB");
  EXPECT_FALSE(c.fields[0].drift);
  EXPECT_FALSE(c.drift);
}

TEST(Diff, ObservedDifferenceIsDrift) {
  Vdc vdc = desired();
  LiveState live = testing::liveOf(vdc);
  LiveObject instance = *live.find({Kind::Instance, "i"});
  instance.observed["state"] = "stopped";  // recorded says running
  live.add(instance);
  Diagnostics problems;
  Plan plan = diff(vdc, live, "t", false, problems);
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_TRUE(plan.changes[0].drift);
  EXPECT_TRUE(plan.changes[0].fields[0].drift);
  EXPECT_EQ(plan.changes[0].fields[0].before, "stopped");
}

TEST(Diff, NestedChangesHaveTheirPath) {
  Vdc vdc = desired();
  LiveState live = testing::liveOf(vdc);
  LiveObject instance = *live.find({Kind::Instance, "i"});
  instance.recorded["interfaces"][0]["securityGroups"] = Json({"old"});
  live.add(instance);
  Diagnostics problems;
  Plan plan = diff(vdc, live, "t", false, problems);
  ASSERT_EQ(plan.changes.size(), 1u);
  EXPECT_EQ(plan.changes[0].fields[0].path, "interfaces[0].securityGroups");
}

TEST(Diff, ReplacementNamesTheFieldThatForcesIt) {
  Vdc vdc = desired();
  LiveState live = testing::liveOf(vdc);
  LiveObject network = *live.find({Kind::Network, "n"});
  network.observed["cidr"] = "10.9.0.0/24";
  live.add(network);
  LiveObject volume = *live.find({Kind::Volume, "v"});
  volume.observed["size"] = "20GiB";  // shrinking to 10GiB loses data
  live.add(volume);
  Diagnostics problems;
  Plan plan = diff(vdc, live, "t", false, problems);
  const Change* net = find(plan, {Kind::Network, "n"});
  ASSERT_TRUE(net);
  EXPECT_EQ(net->action, Action::Replace);
  EXPECT_TRUE(net->fields[0].forcesReplacement);
  EXPECT_EQ(find(plan, {Kind::Volume, "v"})->action, Action::Replace);
}

TEST(Diff, GrowingAVolumeIsAnUpdate) {
  Vdc vdc = desired();
  LiveState live = testing::liveOf(vdc);
  LiveObject volume = *live.find({Kind::Volume, "v"});
  volume.observed["size"] = "5GiB";
  live.add(volume);
  Diagnostics problems;
  Plan plan = diff(vdc, live, "t", false, problems);
  EXPECT_EQ(find(plan, {Kind::Volume, "v"})->action, Action::Update);
}

TEST(Diff, RemovedFromManifestsIsDeletedAfterItsDependents) {
  Vdc vdc = desired();
  LiveState live = testing::liveOf(vdc);
  Json old = {{"cpus", 1}, {"interfaces", {{{"network", "n"}, {"securityGroups", Json::array()}}}}};
  live.add({{Kind::Instance, "gone"}, "test.gone", "h", old, Json::object()});
  Diagnostics problems;
  Plan plan = diff(vdc, live, "t", false, problems);
  const Change* gone = find(plan, {Kind::Instance, "gone"});
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->action, Action::Delete);
  EXPECT_NE(std::find(gone->dependencies.begin(), gone->dependencies.end(), ResourceId{Kind::Network, "n"}),
            gone->dependencies.end());
}

TEST(Diff, DestroyDeletesEverythingOwned) {
  Vdc vdc = desired();
  Diagnostics problems;
  Plan plan = diff(vdc, testing::liveOf(vdc), "t", true, problems);
  EXPECT_TRUE(plan.destroy);
  EXPECT_EQ(plan.summary().remove, 4u);
}

TEST(Diff, ANameTakenByAForeignObjectIsAProblem) {
  Vdc vdc = desired();
  LiveState live;
  live.addForeign({{Kind::Instance, "i"}, "test.i", ""});
  Diagnostics problems;
  diff(vdc, live, "target", false, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_NE(problems.str().find("'test.i' already exists on target and was not created by vdc"), std::string::npos)
      << problems.str();
}

TEST(Diff, FingerprintFollowsTheLiveState) {
  Vdc vdc = desired();
  LiveState a = testing::liveOf(vdc), b = testing::liveOf(vdc);
  EXPECT_EQ(a.fingerprint(), b.fingerprint());
  LiveObject instance = *b.find({Kind::Instance, "i"});
  instance.observed["state"] = "stopped";
  b.add(instance);
  EXPECT_NE(a.fingerprint(), b.fingerprint());
}

// The target keeps the record of an object someone deleted: it is made
// anew, and the plan says why, in text and in JSON.
TEST(Diff, AnObjectDeletedOutsideVdcIsACreateMarkedAsDrift) {
  Vdc vdc = desired();
  LiveState live = testing::liveOf(vdc);
  LiveState gone;
  for (const auto& [id, object] : live.objects())
    if (id.kind != Kind::Volume) gone.add(object);
  gone.addMissing({Kind::Volume, "v"}, "test.v");
  Diagnostics problems;
  Plan plan = diff(vdc, gone, "t", false, problems);
  const Change* volume = find(plan, {Kind::Volume, "v"});
  ASSERT_TRUE(volume);
  EXPECT_EQ(volume->action, Action::Create);
  EXPECT_TRUE(volume->drift);
  EXPECT_NE(renderPlan(plan).find("+ Volume/v (drift: deleted outside vdc)\n"), std::string::npos) << renderPlan(plan);
  Json json = plan.toJson();
  bool shown = false;
  for (const auto& change : json["changes"])
    if (change["address"] == "Volume/v") shown = change["drift"] == true && change["action"] == "create";
  EXPECT_TRUE(shown) << json.dump();

  // A record without its object is part of what a saved plan was made against.
  LiveState bare;
  for (const auto& [id, object] : gone.objects()) bare.add(object);
  EXPECT_NE(bare.fingerprint(), gone.fingerprint());
  // And nothing is missing once the object is there again.
  gone.add(*live.find({Kind::Volume, "v"}));
  EXPECT_FALSE(gone.isMissing({Kind::Volume, "v"}));
}

TEST(Diff, MatchesAgreesWithEffective) {
  LiveObject o{{Kind::Instance, "i"}, "p", "h", {{"cpus", 1}, {"memory", "1GiB"}}, {{"cpus", 2}}};
  EXPECT_TRUE(o.matches({{"cpus", 2}, {"memory", "1GiB"}}));
  EXPECT_FALSE(o.matches({{"cpus", 1}, {"memory", "1GiB"}}));
  EXPECT_FALSE(o.matches({{"cpus", 2}}));                                // the object has more
  EXPECT_FALSE(o.matches({{"cpus", 2}, {"memory", "1GiB"}, {"x", 1}}));  // the spec has more
  LiveObject extra{{Kind::Instance, "i"}, "p", "h", {{"cpus", 1}}, {{"state", "stopped"}}};
  EXPECT_FALSE(extra.matches({{"cpus", 1}}));
  EXPECT_TRUE(extra.matches({{"cpus", 1}, {"state", "stopped"}}));
}

}  // namespace vdc

namespace vdc {

// Memory takes effect on the next boot: a running instance is restarted, and
// the plan says so; a stopped one, or a change of power state, is not.
TEST(Diff, AChangeThatNeedsARestartSaysSo) {
  Vdc vdc = desired();
  LiveState live;
  for (auto r : vdc.resources) {
    if (r.id.kind == Kind::Instance) r.spec["memory"] = "2GiB";
    live.add({r.id, "test." + r.id.name, r.specHash, r.spec, Json::object()});
  }
  Diagnostics problems;
  Plan plan = diff(vdc, live, "t", false, problems);
  const Change* instance = find(plan, {Kind::Instance, "i"});
  ASSERT_TRUE(instance);
  ASSERT_EQ(instance->fields.size(), 1u);
  EXPECT_TRUE(instance->fields[0].restarts);
  EXPECT_NE(renderPlan(plan).find("memory: \"2GiB\" -> \"1GiB\"   # restarts the instance"), std::string::npos)
      << renderPlan(plan);
  EXPECT_TRUE(Plan::fromJson(plan.toJson()).changes.front().fields.front().restarts);

  for (auto& r : vdc.resources)
    if (r.id.kind == Kind::Instance) r.spec["state"] = "stopped";
  plan = diff(vdc, live, "t", false, problems);
  for (const auto& f : find(plan, {Kind::Instance, "i"})->fields) EXPECT_FALSE(f.restarts) << f.path;
}

// A new key reaches a running guest through a new seed, at boot: the
// instance restarts. So does one an earlier vdc recorded without
// fingerprints: nothing says its seed holds the key.
TEST(Diff, ANewKeyRestartsTheInstancesThatCarryIt) {
  const std::string yaml =
      "apiVersion: vdc/v1\nkind: KeyPair\nmetadata: {name: ops}\nspec: {publicKey: ssh-ed25519 "
      "AAAAC3NzaC1lZDI1NTE5AAAAIC+nE6TUDs3SZ+tGmDpLB2pT3YbkSc9hophqTn1c72wp}\n---\n"
      "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: i}\nspec: {keyPairs: [ops]}\n";
  Diagnostics diags;
  Vdc vdc = testing::loadYaml(yaml, diags);
  ASSERT_TRUE(diags.empty()) << diags.str();
  auto planAgainst = [&](const std::function<void(Json&)>& recorded) {
    LiveState live;
    for (auto r : vdc.resources) {
      if (r.id.kind == Kind::Instance) recorded(r.spec);
      live.add({r.id, "test." + r.id.name, canonicalHash(r.spec), r.spec, Json::object()});
    }
    Diagnostics problems;
    return diff(vdc, live, "t", false, problems);
  };
  Plan plan = planAgainst([](Json& spec) { spec["keyFingerprints"]["ops"] = "SHA256:pMmO/eI5foE4QPP92ZU1rL7ASGsbzWG3w5ZGqPMKnl4"; });
  const Change* instance = find(plan, {Kind::Instance, "i"});
  ASSERT_TRUE(instance);
  ASSERT_EQ(instance->fields.size(), 1u);
  EXPECT_EQ(instance->fields[0].path, "keyFingerprints.ops");
  EXPECT_TRUE(instance->fields[0].restarts);
  EXPECT_NE(renderPlan(plan).find("keyFingerprints.ops: \"SHA256:pMmO/eI5foE4QPP92ZU1rL7ASGsbzWG3w5ZGqPMKnl4\" -> "
                                  "\"SHA256:px55jh9QoPzcoCh2P4Qel0FqHo21nQ/w8vINeHEOGws\"   # restarts the instance"),
            std::string::npos)
      << renderPlan(plan);

  plan = planAgainst([](Json& spec) { spec.erase("keyFingerprints"); });
  instance = find(plan, {Kind::Instance, "i"});
  ASSERT_TRUE(instance);
  ASSERT_EQ(instance->fields.size(), 1u);
  EXPECT_TRUE(instance->fields[0].restarts);
  EXPECT_TRUE(planAgainst([](Json&) {}).empty());
}

}  // namespace vdc

namespace vdc {

TEST(Diff, AReplaceAskedForIsMadeOfAnUnchangedObjectAndFollowed) {
  Vdc vdc = desired();
  LiveState live = testing::liveOf(vdc);
  Diagnostics problems;
  Plan plan = diff(vdc, live, "t", false, problems, {{Kind::Volume, "v"}});
  EXPECT_TRUE(problems.empty()) << problems.str();
  const Change* volume = find(plan, {Kind::Volume, "v"});
  ASSERT_TRUE(volume);
  EXPECT_EQ(volume->action, Action::Replace);
  EXPECT_TRUE(volume->replaceAsked);
  EXPECT_TRUE(volume->fields.empty());
  EXPECT_EQ(volume->physical, "test.v");
  EXPECT_EQ(find(plan, {Kind::Instance, "i"})->follows, std::vector<ResourceId>{(ResourceId{Kind::Volume, "v"})});
  EXPECT_NE(renderPlan(plan).find(" -/+ Volume/v (replace, as --replace asks)"), std::string::npos);
  EXPECT_TRUE(Plan::fromJson(plan.toJson()).changes[find(plan, {Kind::Volume, "v"}) - plan.changes.data()].replaceAsked);
}

TEST(Diff, AReplaceAskedForOfWhatIsNotThereIsAProblem) {
  Vdc vdc = desired();
  Vdc fewer = vdc;
  std::erase_if(fewer.resources, [](const Resource& r) { return r.id == ResourceId{Kind::Network, "n"}; });
  fewer.index();
  LiveState live = testing::liveOf(fewer);  // the network is still to be made
  live.add({{Kind::Volume, "old"}, "test.old", "", Json::object(), Json::object()});
  Diagnostics problems;
  diff(vdc, live, "t", false, problems, {{Kind::Network, "n"}, {Kind::Volume, "old"}});
  ASSERT_EQ(problems.size(), 2u) << problems.str();
  EXPECT_NE(problems.str().find("--replace Network/n: t does not hold it; the plan makes it"), std::string::npos)
      << problems.str();
  EXPECT_NE(problems.str().find("--replace Volume/old: the manifests no longer hold it; the plan deletes it"),
            std::string::npos)
      << problems.str();
}

}  // namespace vdc

namespace vdc {

// An instance renamed without saying so: the new one takes the old one's
// address and volume, so it is made only once the old one is gone.
TEST(Diff, ACreateWaitsForTheDeleteThatHoldsItsAddressAndVolume) {
  Vdc vdc = desired();
  LiveState live = testing::liveOf(vdc);
  Json spec = vdc.find({Kind::Instance, "i"})->spec;
  spec["interfaces"][0]["ip"] = "10.0.0.9";
  live.add({{Kind::Instance, "old"}, "test.old", "h", spec, Json::object()});
  std::erase_if(vdc.resources, [](const Resource& r) { return r.id.kind == Kind::Instance; });
  Resource renamed{{Kind::Instance, "new"}, spec};
  renamed.specHash = "n";
  renamed.dependencies = {{Kind::Network, "n"}, {Kind::Volume, "v"}};
  vdc.resources.push_back(renamed);
  vdc.index();
  Diagnostics problems;
  Plan plan = diff(vdc, live, "t", false, problems);
  const Change* made = find(plan, {Kind::Instance, "new"});
  ASSERT_TRUE(made);
  EXPECT_NE(std::find(made->dependencies.begin(), made->dependencies.end(), ResourceId{Kind::Instance, "old"}),
            made->dependencies.end());
  EXPECT_NE(renderPlan(plan).find("   + Instance/new\n      after Instance/old goes: it holds address 10.0.0.9 on "
                                  "Network/n\n"),
            std::string::npos)
      << renderPlan(plan);

  // The same while the old one is replaced, not deleted: the old object holds them until it goes.
  Vdc both = vdc;
  Resource old = renamed;
  old.id = {Kind::Instance, "old"};
  old.spec = {{"hypervisor", "qemu"}};  // a replace; it lets go of the address and the volume
  old.specHash = "q";
  old.dependencies = {};
  both.resources.push_back(old);
  both.index();
  Plan replacing = diff(both, live, "t", false, problems);
  ASSERT_EQ(find(replacing, {Kind::Instance, "old"})->action, Action::Replace);
  made = find(replacing, {Kind::Instance, "new"});
  EXPECT_NE(std::find(made->dependencies.begin(), made->dependencies.end(), ResourceId{Kind::Instance, "old"}),
            made->dependencies.end());
}

}  // namespace vdc

namespace vdc {

// Renames (engine/rename.h): the manifests name the volume "data" and the
// instance "database", renamed from "v" and "i".
static const char* kRenamedYaml =
    "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: n}\nspec: {cidr: 10.0.0.0/24}\n---\n"
    "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: data, annotations: {vdc/renamed-from: v}}\n"
    "spec: {size: 10GiB}\n---\n"
    "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: database, annotations: {vdc/renamed-from: i}}\n"
    "spec:\n  memory: 1GiB\n  interfaces: [{network: n}]\n  volumes: [{volume: data}]\n";

// The renamed VDC with each of `edits` (text -> replacement) made.
static Vdc renamedWith(const std::vector<std::pair<std::string, std::string>>& edits) {
  std::string yaml = kRenamedYaml;
  for (const auto& [from, to] : edits) {
    size_t at = yaml.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) yaml.replace(at, from.size(), to);
  }
  Diagnostics diags;
  Vdc vdc = testing::loadYaml(yaml, diags);
  EXPECT_TRUE(diags.empty()) << diags.str();
  return vdc;
}

TEST(Diff, ARenamedResourceTakesOverItsOldObjectInPlace) {
  LiveState live = testing::liveOf(desired());
  Vdc after = renamedWith({});
  Diagnostics problems;
  Plan plan = diff(after, live, "t", false, problems);
  ASSERT_TRUE(problems.empty()) << problems.str();
  // Each is a rename of what was there: nothing is made, nothing deleted,
  // and the instance's volume is the renamed one, not a field change.
  EXPECT_EQ(plan.summary().rename, 2u);
  EXPECT_EQ(plan.summary().create + plan.summary().remove + plan.summary().replace, 0u) << renderPlan(plan);
  const Change* instance = find(plan, {Kind::Instance, "database"});
  ASSERT_TRUE(instance);
  EXPECT_EQ(instance->action, Action::Rename);
  EXPECT_EQ(instance->renamedFrom, "i");
  EXPECT_EQ(instance->physical, "test.i");
  EXPECT_TRUE(instance->fields.empty()) << renderPlan(plan);
  std::string shown = renderPlan(plan);
  EXPECT_NE(shown.find("   ~ Instance/i -> Instance/database (renamed)\n"), std::string::npos) << shown;
  EXPECT_NE(shown.find("   ~ Volume/v -> Volume/data (renamed)\n"), std::string::npos) << shown;
}

TEST(Diff, WhatRefersToARenamedResourceIsWrittenAgainUnderItsNewName) {
  LiveState live = testing::liveOf(desired());
  // Only the volume is renamed; the instance keeps its name and now names "data".
  Vdc after = renamedWith({{"{name: database, annotations: {vdc/renamed-from: i}}", "{name: i}"}});
  Diagnostics problems;
  Plan plan = diff(after, live, "t", false, problems);
  const Change* instance = find(plan, {Kind::Instance, "i"});
  ASSERT_TRUE(instance) << renderPlan(plan);
  EXPECT_EQ(instance->action, Action::Update);
  EXPECT_TRUE(instance->fields.empty()) << renderPlan(plan);  // no re-attach, no restart
  EXPECT_NE(renderPlan(plan).find("   ~ Instance/i\n      refers to Volume/data (renamed from v)\n"), std::string::npos)
      << renderPlan(plan);
}

TEST(Diff, ARenameThatMustMakeTheObjectAnewIsACreateAndADelete) {
  LiveState live = testing::liveOf(desired());
  Vdc after = renamedWith({{"spec: {size: 10GiB}", "spec: {size: 10GiB, storageClass: fast}"}});
  Diagnostics problems;
  Plan plan = diff(after, live, "t", false, problems);
  ASSERT_TRUE(find(plan, {Kind::Volume, "data"}));
  EXPECT_EQ(find(plan, {Kind::Volume, "data"})->action, Action::Create) << renderPlan(plan);
  ASSERT_TRUE(find(plan, {Kind::Volume, "v"}));
  EXPECT_EQ(find(plan, {Kind::Volume, "v"})->action, Action::Delete);
  // The instance is still renamed in place.
  EXPECT_EQ(find(plan, {Kind::Instance, "database"})->action, Action::Rename);
}

TEST(Diff, ANewResourceUnderANameARenamedOneKeepsIsRefused) {
  Vdc before = desired();
  // Volume/data was renamed from "v" and keeps the name test.v on the target.
  LiveState applied = testing::liveOf(before), live;
  for (auto [id, object] : applied.objects()) {
    if (id == ResourceId{Kind::Volume, "v"}) object.id = {Kind::Volume, "data"};
    live.add(object);
  }
  live.addForeign({{Kind::Volume, "v"}, "test.v", "test", ResourceId{Kind::Volume, "data"}});
  Vdc vdc = before;
  Resource again = *vdc.find({Kind::Volume, "v"});
  Resource renamed = again;
  renamed.id = {Kind::Volume, "data"};
  vdc.resources.push_back(renamed);
  vdc.index();
  Diagnostics problems;
  Plan plan = diff(vdc, live, "t", false, problems);
  EXPECT_NE(problems.str().find("Volume/v: its name on t, 'test.v', is kept by Volume/data, which was renamed from it"),
            std::string::npos)
      << problems.str();
  EXPECT_TRUE(plan.claimed.empty());  // nothing to warn about beyond that
}

}  // namespace vdc

namespace vdc {

// What a renamed instance holds on to is made anew in the same plan: the
// rename would have to follow it, so it goes alone first.
TEST(Diff, ARenameWhoseVolumeIsMadeAnewIsRefused) {
  LiveState live = testing::liveOf(desired());
  // The volume keeps its name and is made anew in another class; the instance is renamed.
  Vdc after = renamedWith({{"{name: data, annotations: {vdc/renamed-from: v}}\nspec: {size: 10GiB}",
                            "{name: v}\nspec: {size: 10GiB, storageClass: fast}"},
                           {"volumes: [{volume: data}]", "volumes: [{volume: v}]"}});
  Diagnostics problems;
  diff(after, live, "t", false, problems);
  EXPECT_NE(problems.str().find("Instance/database is renamed from i while Volume/v, which it holds on to, is made "
                                "anew: apply the rename on its own first"),
            std::string::npos)
      << problems.str();
}

// An instance deleted holds the volume another now takes under its new name:
// the other waits for the delete.
TEST(Diff, TakingARenamedVolumeWaitsForTheDeleteThatHoldsIt) {
  LiveState live = testing::liveOf(desired());
  Vdc after = renamedWith({{"{name: database, annotations: {vdc/renamed-from: i}}", "{name: web}"}});
  Diagnostics problems;
  Plan plan = diff(after, live, "t", false, problems);
  ASSERT_TRUE(problems.empty()) << problems.str();
  const Change* web = find(plan, {Kind::Instance, "web"});
  ASSERT_TRUE(web);
  EXPECT_NE(std::find(web->dependencies.begin(), web->dependencies.end(), ResourceId{Kind::Instance, "i"}),
            web->dependencies.end())
      << renderPlan(plan);
  EXPECT_NE(renderPlan(plan).find("after Instance/i goes: it holds Volume/data"), std::string::npos) << renderPlan(plan);
}

}  // namespace vdc
