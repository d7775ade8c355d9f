// The atomic apply: its order (nothing destructive until every make
// succeeded) and its undo, against an in-memory datacenter that keeps what
// it is told, so that the undo is planned from what was really done.
#include "engine/atomic.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "engine/diff.h"
#include "engine/test_support.h"

namespace vdc {

namespace {

// Objects with their records, as a target keeps them; fails the calls it is told to.
class KeepingProvider : public Registry {
 public:
  std::vector<Kind> kinds() const override {
    return {Kind::VirtualDataCenter, Kind::Network, Kind::SecurityGroup, Kind::Image,
            Kind::KeyPair,           Kind::Volume,  Kind::Instance,      Kind::LoadBalancer};
  }
  void read(const std::string&, LiveState& into) override {
    std::lock_guard lock(mutex_);
    for (const auto& [id, object] : objects) into.add(object);
  }
  void create(const Ownership& o) override { keep("create", o); }
  void update(const Ownership& o, const LiveObject&) override { keep("update", o); }
  void remove(const std::string&, const LiveObject& l) override {
    std::lock_guard lock(mutex_);
    call("remove " + l.id.str());
    objects.erase(l.id);
  }

  std::map<ResourceId, LiveObject> objects;
  std::vector<std::string> calls;
  std::set<std::string> failing;  // "create Instance/web"

 private:
  void keep(const std::string& verb, const Ownership& o) {
    std::lock_guard lock(mutex_);
    call(verb + " " + o.id.str());
    objects[o.id] = LiveObject{o.id, "t." + o.id.name, o.specHash, o.spec, Json::object()};
  }
  void call(const std::string& what) {
    calls.push_back(what);
    if (failing.count(what)) throw Error("injected failure: " + what);
  }
  std::mutex mutex_;
};

class KeepingDatacenter : public Datacenter {
 public:
  std::string describe() const override { return "memory"; }
  std::shared_ptr<LockService> ownLocks() const override { return nullptr; }
  std::vector<Provider*> providers() override { return {&provider}; }
  void commit() override {}
  KeepingProvider provider;
};

const char* kBefore =
    "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: n}\nspec: {cidr: 10.0.0.0/24}\n---\n"
    "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: old}\nspec: {cidr: 10.9.0.0/24}\n---\n"
    "apiVersion: vdc/v1\nkind: SecurityGroup\nmetadata: {name: web}\nspec: {}\n---\n"
    "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: web}\nspec:\n  memory: 1GiB\n"
    "  interfaces: [{network: n, securityGroups: [web]}]\n";
// `old` goes, the web instance grows and moves to a replaced group, an app instance comes.
const char* kAfter =
    "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: n}\nspec: {cidr: 10.0.0.0/24}\n---\n"
    "apiVersion: vdc/v1\nkind: SecurityGroup\nmetadata: {name: web}\nspec:\n"
    "  ingress: [{protocol: tcp, ports: '80', from: 0.0.0.0/0}]\n---\n"
    "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: web}\nspec:\n  memory: 2GiB\n"
    "  interfaces: [{network: n, securityGroups: [web]}]\n---\n"
    "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: app}\nspec:\n  interfaces: [{network: n}]\n";

Vdc load(const char* yaml) {
  Diagnostics diags;
  Vdc vdc = testing::loadYaml(yaml, diags);
  EXPECT_TRUE(diags.empty()) << diags.str();
  return vdc;
}

Plan planOn(KeepingDatacenter& dc, const Vdc& vdc) {
  Diagnostics problems;
  Plan plan = diff(vdc, dc.read("test"), "memory", false, problems);
  EXPECT_TRUE(problems.empty()) << problems.str();
  return plan;
}

// The datacenter with `yaml` applied.
void applied(KeepingDatacenter& dc, const char* yaml) {
  Plan plan = planOn(dc, load(yaml));
  ASSERT_TRUE(apply(plan, dc, dc.read("test"), {}).ok());
  dc.provider.calls.clear();
}

size_t at(const std::vector<std::string>& calls, const std::string& call) {
  return std::find(calls.begin(), calls.end(), call) - calls.begin();
}

}  // namespace

TEST(Atomic, NothingIsDeletedOrReplacedUntilEveryMakeSucceeded) {
  KeepingDatacenter dc;
  applied(dc, kBefore);
  // Growing web needs no restart here; the security group is updated in place.
  Plan plan = planOn(dc, load(kAfter));
  ASSERT_EQ(plan.summary().remove, 1u);
  ApplyOptions options;
  options.atomic = true;
  ApplyReport report = apply(plan, dc, dc.read("test"), options);
  ASSERT_TRUE(report.ok());
  const auto& calls = dc.provider.calls;
  size_t removal = at(calls, "remove Network/old");
  ASSERT_LT(removal, calls.size());
  for (const char* make : {"create Instance/app", "update Instance/web", "update SecurityGroup/web"})
    EXPECT_LT(at(calls, make), removal) << make;
  EXPECT_TRUE(planOn(dc, load(kAfter)).empty());
}

TEST(Atomic, AFailureUndoesEverythingThisApplyDid) {
  KeepingDatacenter dc;
  applied(dc, kBefore);
  std::map<ResourceId, LiveObject> before = dc.provider.objects;
  Plan expected = planOn(dc, load(kAfter));
  for (const char* failing : {"create Instance/app", "update Instance/web", "remove Network/old"}) {
    SCOPED_TRACE(failing);
    dc.provider.objects = before;
    dc.provider.failing = {failing};
    ApplyOptions options;
    options.atomic = true;
    options.parallelism = 1;
    ApplyReport report = apply(planOn(dc, load(kAfter)), dc, dc.read("test"), options);
    EXPECT_FALSE(report.ok());
    EXPECT_TRUE(report.rolledBack);
    if (std::string(failing) == "remove Network/old") {
      EXPECT_GE(report.rollback.size(), 3u) << "every make is undone";
    }
    ASSERT_EQ(dc.provider.objects.size(), before.size());
    for (const auto& [id, object] : before) {
      ASSERT_TRUE(dc.provider.objects.count(id)) << id.str();
      EXPECT_EQ(dc.provider.objects[id].recorded, object.recorded) << id.str();
      EXPECT_EQ(dc.provider.objects[id].specHash, object.specHash) << id.str();
    }
    EXPECT_EQ(planOn(dc, load(kAfter)).toJson()["changes"], expected.toJson()["changes"])
        << "the plan afterwards is the plan before";
  }
}

TEST(Atomic, AFailedUndoSaysSo) {
  KeepingDatacenter dc;
  applied(dc, kBefore);
  // The delete fails after every make is done; removing the new app instance again fails too.
  dc.provider.failing = {"remove Network/old", "remove Instance/app"};
  ApplyOptions options;
  options.atomic = true;
  ApplyReport report = apply(planOn(dc, load(kAfter)), dc, dc.read("test"), options);
  EXPECT_FALSE(report.ok());
  EXPECT_FALSE(report.rolledBack);
  EXPECT_TRUE(std::any_of(report.rollback.begin(), report.rollback.end(), [](const Outcome& o) {
    return o.status == Status::Failed && o.id == ResourceId{Kind::Instance, "app"};
  }));
  EXPECT_TRUE(std::any_of(report.rollback.begin(), report.rollback.end(), [](const Outcome& o) {
    return o.status == Status::Done && o.id == ResourceId{Kind::Instance, "web"};
  })) << "the rest is undone all the same";
}

TEST(Atomic, WhatCannotBeUndoneIsNamedAndRefusedUnlessAllowed) {
  KeepingDatacenter dc;
  const char* withData =
      "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: data}\nspec: {size: 10GiB}\n---\n"
      "apiVersion: vdc/v1\nkind: Image\nmetadata: {name: base}\nspec: {source: base.qcow2}\n---\n"
      "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: vm}\nspec: {image: base}\n---\n"
      "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: bare}\nspec: {}\n";
  applied(dc, withData);
  Plan plan = destroyPlan("test", dc.read("test"), "memory");
  std::vector<std::string> found = irreversibleChanges(plan);
  ASSERT_EQ(found.size(), 2u) << "the volume and the instance with a root disk; not the image, not the bare instance";
  EXPECT_EQ(found[0], "the plan deletes Volume/data, which cannot be undone (the volume's data is lost); --atomic "
                      "takes it only with --allow-irreversible");
  EXPECT_NE(found[1].find("Instance/vm, which cannot be undone (its root disk's data is lost)"), std::string::npos);
  ApplyOptions options;
  options.atomic = true;
  EXPECT_NE(testing::errorOf([&] { apply(plan, dc, dc.read("test"), options); }).find("nothing was changed"),
            std::string::npos);
  EXPECT_TRUE(dc.provider.calls.empty());
  options.allowIrreversible = true;
  EXPECT_TRUE(apply(plan, dc, dc.read("test"), options).ok());
  EXPECT_TRUE(dc.provider.objects.empty());
}

}  // namespace vdc

namespace vdc {

// What is left of a machine deleted by hand (its disks, "absent") holds its
// data too: a plan that replaces or deletes it, whatever caused it, says so.
TEST(Atomic, WhatIsLeftOfAMachineDeletedByHandCannotBeDeletedBack) {
  Change left;
  left.id = {Kind::Instance, "vm"};
  left.before = {{"state", "absent"}};
  for (Action action : {Action::Replace, Action::Delete}) {
    left.action = action;
    EXPECT_EQ(irreversibility(left), "its root disk's data is lost");
  }
  left.id = {Kind::LoadBalancer, "front"};
  EXPECT_EQ(irreversibility(left), "") << "an appliance's disk is a copy of the Target's image";
}

}  // namespace vdc
