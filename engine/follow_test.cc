// Dependents follow a replace: what the diff adds for the objects that
// refer to a replaced one, and how the plan shows it.
#include "engine/follow.h"

#include <gtest/gtest.h>

#include <functional>

#include "engine/atomic.h"
#include "engine/diff.h"
#include "engine/render.h"
#include "engine/test_support.h"

namespace vdc {

namespace {

// A VM with a root disk of `base`, a NIC on `n` in group `g` and volume
// `plain`; a VM with no image that attaches `child` (made of `base`); a
// container of `tree`; a load balancer on `n` in front of the VM.
const char* kYaml =
    "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: n}\nspec: {cidr: 10.0.0.0/24}\n---\n"
    "apiVersion: vdc/v1\nkind: SecurityGroup\nmetadata: {name: g}\nspec: {ingress: [{protocol: tcp, ports: '22'}]}\n---\n"
    "apiVersion: vdc/v1\nkind: Image\nmetadata: {name: base}\nspec: {source: /images/base.qcow2}\n---\n"
    "apiVersion: vdc/v1\nkind: Image\nmetadata: {name: tree}\nspec: {source: /images/tree.raw, format: raw}\n---\n"
    "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: plain}\nspec: {size: 10GiB}\n---\n"
    "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: child}\nspec: {size: 10GiB, image: base}\n---\n"
    "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: vm, labels: {tier: web}}\nspec:\n  image: base\n"
    "  interfaces: [{network: n, securityGroups: [g]}]\n  volumes: [{volume: plain}]\n---\n"
    "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: diskless}\nspec:\n  state: stopped\n"
    "  volumes: [{volume: child}]\n---\n"
    "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: box}\nspec: {image: tree, hypervisor: lxc}\n---\n"
    "apiVersion: vdc/v1\nkind: LoadBalancer\nmetadata: {name: front}\nspec:\n  network: n\n"
    "  listeners: [{port: 80}]\n  backends: {selector: {tier: web}}\n";

class Follow : public ::testing::Test {
 protected:
  void SetUp() override {
    Diagnostics diags;
    vdc = testing::loadYaml(kYaml, diags);
    ASSERT_TRUE(diags.empty()) << diags.str();
    live = testing::liveOf(vdc);
  }

  // `id` as the target holds it differs in `field` in a way that forces its replace.
  void replaced(const ResourceId& id, const std::string& field, const Json& was) {
    testing::recordedAs(live, id, field, was);
  }

  Plan plan() {
    Diagnostics problems;
    Plan made = diff(vdc, live, "t", false, problems);
    EXPECT_TRUE(problems.empty()) << problems.str();
    return made;
  }

  static const Change* find(const Plan& plan, Kind kind, const std::string& name) {
    for (const auto& c : plan.changes)
      if (c.id == ResourceId{kind, name}) return &c;
    return nullptr;
  }

  Vdc vdc;
  LiveState live;
};

}  // namespace

TEST_F(Follow, NothingReplacedNothingFollows) {
  Plan p = plan();
  EXPECT_TRUE(p.empty());
}

TEST_F(Follow, AnInstanceReattachesAVolumeMadeAgain) {
  replaced({Kind::Volume, "plain"}, "storageClass", "slow");
  Plan p = plan();
  EXPECT_EQ(p.summary().replace, 1u);
  EXPECT_EQ(p.summary().update, 1u);
  EXPECT_EQ(p.summary().unchanged, vdc.resources.size() - 2);
  const Change* vm = find(p, Kind::Instance, "vm");
  ASSERT_TRUE(vm);
  EXPECT_EQ(vm->action, Action::Update);
  EXPECT_TRUE(vm->fields.empty()) << "nothing of its own changes";
  EXPECT_EQ(vm->follows, std::vector<ResourceId>{(ResourceId{Kind::Volume, "plain"})});
  EXPECT_EQ(vm->before, vm->after);
  std::string shown = renderPlan(p);
  EXPECT_NE(shown.find("   ~ Instance/vm\n      re-attaches Volume/plain (made anew)   # restarts the instance\n"),
            std::string::npos)
      << shown;
}

TEST_F(Follow, AReplacedNetworkReplugsEveryNicOnItAndTheAppliance) {
  replaced({Kind::Network, "n"}, "cidr", "10.9.0.0/24");
  Plan p = plan();
  const Change* vm = find(p, Kind::Instance, "vm");
  const Change* lb = find(p, Kind::LoadBalancer, "front");
  ASSERT_TRUE(vm && lb);
  EXPECT_EQ(vm->follows, std::vector<ResourceId>{(ResourceId{Kind::Network, "n"})});
  EXPECT_EQ(lb->follows, std::vector<ResourceId>{(ResourceId{Kind::Network, "n"})});
  EXPECT_EQ(describeFollows(*vm), std::vector<std::string>{"re-plugs NIC 0 into Network/n (made anew)"});
  EXPECT_EQ(followNote(*lb), "restarts the appliance");
  EXPECT_EQ(find(p, Kind::Instance, "box"), nullptr) << "on no network";
}

TEST_F(Follow, AReplacedGroupIsAppliedAgainToItsNics) {
  replaced({Kind::SecurityGroup, "g"}, "ingress", Json::array());
  LiveObject group = *live.find({Kind::SecurityGroup, "g"});
  group.orphaned = true;  // only what is gone makes a group anew
  live.add(group);
  Plan p = plan();
  const Change* vm = find(p, Kind::Instance, "vm");
  ASSERT_TRUE(vm);
  EXPECT_EQ(describeFollows(*vm), std::vector<std::string>{"re-applies SecurityGroup/g (made anew) to NIC 0"});
}

TEST_F(Follow, AReplacedImageRemakesItsChildrenAndWhatAttachesThem) {
  replaced({Kind::Image, "base"}, "format", "raw");
  Plan p = plan();
  const Change* child = find(p, Kind::Volume, "child");
  const Change* vm = find(p, Kind::Instance, "vm");
  const Change* diskless = find(p, Kind::Instance, "diskless");
  ASSERT_TRUE(child && vm && diskless);
  EXPECT_EQ(child->action, Action::Replace);
  EXPECT_EQ(child->physical, "test.child");
  EXPECT_EQ(vm->action, Action::Replace);
  EXPECT_EQ(vm->follows, std::vector<ResourceId>{(ResourceId{Kind::Image, "base"})});
  // The volume made again is attached again, by an instance that stays.
  EXPECT_EQ(diskless->action, Action::Update);
  EXPECT_EQ(diskless->follows, std::vector<ResourceId>{(ResourceId{Kind::Volume, "child"})});
  EXPECT_EQ(followNote(*diskless), "") << "a stopped instance has nothing to restart";
  // Both replaces lose data, whatever caused them.
  EXPECT_EQ(irreversibility(*child), "the volume's data is lost");
  EXPECT_EQ(irreversibility(*vm), "its root disk's data is lost");
  EXPECT_EQ(describeFollows(*vm), std::vector<std::string>{"made anew too: its root disk is a copy-on-write child of Image/base (made anew)"});
  // A container's root disk is a copy of its image; the load balancer reaches its members by address.
  EXPECT_EQ(find(p, Kind::Instance, "box"), nullptr);
  EXPECT_EQ(find(p, Kind::LoadBalancer, "front"), nullptr);
}

TEST_F(Follow, AContainersImageReplacedLeavesItAlone) {
  replaced({Kind::Image, "tree"}, "source", "/images/old.raw");
  Plan p = plan();
  EXPECT_EQ(p.changes.size(), 1u);
  EXPECT_EQ(find(p, Kind::Instance, "box"), nullptr);
}

TEST_F(Follow, AnUpdateOfItsOwnAlsoFollowsAndAReplaceOfItsOwnDoesNot) {
  replaced({Kind::Volume, "plain"}, "storageClass", "slow");
  replaced({Kind::Instance, "vm"}, "cpus", 4);
  replaced({Kind::Network, "n"}, "cidr", "10.9.0.0/24");
  replaced({Kind::Volume, "child"}, "storageClass", "slow");
  replaced({Kind::Instance, "diskless"}, "hypervisor", "qemu");
  Plan p = plan();
  const Change* vm = find(p, Kind::Instance, "vm");
  ASSERT_TRUE(vm);
  EXPECT_EQ(vm->action, Action::Update);
  EXPECT_EQ(vm->fields.size(), 1u);
  EXPECT_EQ(vm->follows.size(), 2u);
  const Change* diskless = find(p, Kind::Instance, "diskless");
  EXPECT_EQ(diskless->action, Action::Replace);
  EXPECT_TRUE(diskless->follows.empty()) << "made anew, it takes the new volume anyway";
}

TEST_F(Follow, APlanKeepsWhatFollowsThroughASaveAndLoad) {
  replaced({Kind::Volume, "plain"}, "storageClass", "slow");
  Plan p = plan();
  Plan loaded = Plan::fromJson(p.toJson());
  EXPECT_EQ(find(loaded, Kind::Instance, "vm")->follows, find(p, Kind::Instance, "vm")->follows);
  // A plan edited (its digest made again) to follow what is no resource, or
  // what is not made anew, or to ask a replace of an update, is refused.
  auto edited = [&](const std::function<void(Json& change)>& edit) {
    Json json = p.toJson();
    for (auto& c : json["changes"]) edit(c);
    json["digest"] = Plan::digest(json);
    return testing::errorOf([&] { Plan::fromJson(json); });
  };
  EXPECT_NE(edited([](Json& c) {
              if (c.contains("follows")) c["follows"] = {"Volume/../../etc"};
            }).find("depends on something that is not a resource"),
            std::string::npos);
  EXPECT_NE(edited([](Json& c) {
              if (c.contains("follows")) c["follows"] = {"Network/n"};
            }).find("Instance/vm follows Network/n, which it does not refer to or is not made anew"),
            std::string::npos);
  EXPECT_NE(edited([](Json& c) {
              if (c["action"] == "update") c["replaceAsked"] = true;
            }).find("Instance/vm is a replace asked for that is none"),
            std::string::npos);
}

}  // namespace vdc
