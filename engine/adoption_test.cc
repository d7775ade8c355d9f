#include "engine/adoption.h"

#include <gtest/gtest.h>

#include "engine/diff.h"
#include "engine/render.h"
#include "engine/test_support.h"

namespace vdc {

namespace {

// A host as a provider reports it: a NAT network, two disks, a VM on both,
// and a VM that cannot be adopted.
LiveState legacyHost() {
  LiveState live;
  live.addUnowned({Kind::Network, "Legacy_Net",
                   {{"cidr", "192.168.90.0/24"}, {"gateway", "192.168.90.1"}, {"mode", "nat"}, {"dhcp", true},
                    {"mtu", 1500}}});
  live.addUnowned({Kind::Volume, "web.qcow2", {{"size", "10GiB"}, {"storageClass", "standard"}}});
  live.addUnowned({Kind::Volume, "data.img", {{"size", "2GiB"}, {"storageClass", "standard"}}});
  live.addUnowned({Kind::Instance, "web",
                   {{"cpus", 2}, {"memory", "1GiB"}, {"state", "running"},
                    {"interfaces", Json::array({{{"network", "Legacy_Net"}}})},
                    {"volumes", Json::array({{{"volume", "web.qcow2"}, {"device", "vda"}},
                                             {{"volume", "data.img"}, {"device", "vdb"}}})}}});
  live.addUnowned({Kind::Instance, "bridged", {{"cpus", 1}}, "", "a NIC of type 'bridge' is on no libvirt network"});
  return live;
}

Vdc load(const AdoptionManifests& manifests, Diagnostics& diags) {
  testing::TempDir dir;
  for (const auto& [file, text] : manifests.files) dir.write(file, text);
  return loadVdc(dir.str(), diags);
}

const Change* find(const Plan& plan, const ResourceId& id) {
  for (const auto& c : plan.changes)
    if (c.id == id) return &c;
  return nullptr;
}

}  // namespace

TEST(Adoption, NamesBecomeDnsLabels) {
  EXPECT_EQ(resourceNameFor("Legacy_Net"), "legacy-net");
  EXPECT_EQ(resourceNameFor("web.qcow2"), "web-qcow2");
  EXPECT_EQ(resourceNameFor("--"), "adopted");
  EXPECT_EQ(resourceNameFor(std::string(80, 'a')).size(), 63u);
}

TEST(Adoption, ManifestsLoadAndPlanAsAdoptionsWithNothingToChange) {
  LiveState live = legacyHost();
  AdoptionManifests manifests = adoptionManifests("old", "adopted from a test", live);
  Diagnostics diags;
  Vdc vdc = load(manifests, diags);
  ASSERT_TRUE(diags.empty()) << diags.str();
  ASSERT_EQ(manifests.skipped.size(), 1u);
  EXPECT_NE(manifests.skipped[0].find("'bridged'"), std::string::npos);

  const Resource* web = vdc.find({Kind::Instance, "web"});
  ASSERT_NE(web, nullptr);
  EXPECT_EQ(web->adopt, "web");
  EXPECT_EQ(web->spec["interfaces"][0]["network"], "legacy-net");
  EXPECT_EQ(web->spec["volumes"][1]["volume"], "data-img");

  Diagnostics problems;
  Plan plan = diff(vdc, live, "test", false, problems);
  ASSERT_TRUE(problems.empty()) << problems.str();
  for (const ResourceId& id : {ResourceId{Kind::Network, "legacy-net"}, ResourceId{Kind::Volume, "web-qcow2"},
                               ResourceId{Kind::Volume, "data-img"}, ResourceId{Kind::Instance, "web"}}) {
    const Change* c = find(plan, id);
    ASSERT_NE(c, nullptr) << id.str();
    EXPECT_EQ(c->action, Action::Adopt) << id.str();
    EXPECT_TRUE(c->fields.empty()) << id.str() << ": " << c->fields.front().path;
  }
  EXPECT_EQ(plan.summary().adopt, 4u);
  EXPECT_NE(renderPlan(plan).find("<= Instance/web (adopt 'web')"), std::string::npos) << renderPlan(plan);
  // A saved plan keeps what it adopts.
  Plan again = Plan::fromJson(plan.toJson());
  EXPECT_EQ(find(again, {Kind::Network, "legacy-net"})->adopt, "Legacy_Net");
}

TEST(Adoption, AnInstanceWhoseNetworkCannotComeIsLeftOut) {
  LiveState live;
  live.addUnowned({Kind::Network, "odd", Json::object(), "", "it has no IPv4 address"});
  live.addUnowned({Kind::Instance, "vm", {{"cpus", 1}, {"interfaces", Json::array({{{"network", "odd"}}})}}});
  AdoptionManifests manifests = adoptionManifests("old", "", live);
  EXPECT_EQ(manifests.files.count("instances.yaml"), 0u);
  ASSERT_EQ(manifests.skipped.size(), 2u);
  EXPECT_NE(manifests.skipped[1].find("network 'odd' is not adopted"), std::string::npos) << manifests.skipped[1];
}

TEST(Adoption, WhatTheManifestChangesIsPlannedAsDrift) {
  Diagnostics diags;
  Vdc vdc = testing::loadYaml(
      "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: data, annotations: {vdc/adopt: data.img}}\n"
      "spec: {size: 4GiB, storageClass: standard}\n",
      diags);
  ASSERT_TRUE(diags.empty()) << diags.str();
  Diagnostics problems;
  Plan plan = diff(vdc, legacyHost(), "test", false, problems);
  ASSERT_TRUE(problems.empty()) << problems.str();
  const Change* c = find(plan, {Kind::Volume, "data"});
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->action, Action::Adopt);
  ASSERT_EQ(c->fields.size(), 1u);
  EXPECT_EQ(c->fields[0].path, "size");
  EXPECT_EQ(c->fields[0].before, "2GiB");
}

TEST(Adoption, RefusedWithEveryReasonAndItsPlace) {
  Diagnostics diags;
  Vdc vdc = testing::loadYaml(
      "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: gone, annotations: {vdc/adopt: nowhere}}\n"
      "spec: {size: 1GiB}\n---\n"
      "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: smaller, annotations: {vdc/adopt: web.qcow2}}\n"
      "spec: {size: 1GiB, storageClass: standard}\n---\n"
      "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: twice, annotations: {vdc/adopt: web.qcow2}}\n"
      "spec: {size: 10GiB, storageClass: standard}\n---\n"
      "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: bridged, annotations: {vdc/adopt: bridged}}\n"
      "spec: {cpus: 1}\n",
      diags);
  ASSERT_TRUE(diags.empty()) << diags.str();
  Diagnostics problems;
  diff(vdc, legacyHost(), "the test host", false, problems);
  std::string text = problems.str();
  EXPECT_NE(text.find("Volume/gone: cannot adopt 'nowhere': the test host has no Volume of that name"),
            std::string::npos) << text;
  EXPECT_NE(text.find("Volume/smaller: cannot adopt 'web.qcow2': its size is \"10GiB\""), std::string::npos) << text;
  EXPECT_NE(text.find("Volume/twice: cannot adopt 'web.qcow2': Volume/smaller adopts it too"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Instance/bridged: cannot adopt 'bridged': a NIC of type 'bridge'"), std::string::npos) << text;
  EXPECT_NE(text.find("vdc.yaml:"), std::string::npos) << "errors name the manifest: " << text;
}

TEST(Adoption, OnlySomeKindsAdoptAndOnlyOneReplica) {
  Diagnostics diags;
  testing::loadYaml(
      "apiVersion: vdc/v1\nkind: Image\nmetadata:\n  name: img\n  annotations: {vdc/adopt: base.qcow2}\n"
      "spec: {source: /x.qcow2}\n---\n"
      "apiVersion: vdc/v1\nkind: Instance\nmetadata:\n  name: web\n  annotations: {vdc/adopt: web}\n"
      "spec: {replicas: 2}\n",
      diags);
  std::string text = diags.str();
  EXPECT_NE(text.find("vdc.yaml:10:16: Image 'img': only a Network, Volume or Instance can adopt"), std::string::npos)
      << text;
  EXPECT_NE(text.find("Instance 'web' adopts one domain and so needs replicas: 1"), std::string::npos) << text;
}

}  // namespace vdc
