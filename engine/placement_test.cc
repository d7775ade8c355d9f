#include <gtest/gtest.h>

#include "engine/diff.h"
#include "engine/hash.h"
#include "engine/placement.h"
#include "engine/test_support.h"
#include "engine/units.h"

namespace vdc {

namespace {

std::string instance(const std::string& name, const std::string& spec) {
  return "---\napiVersion: vdc/v1\nkind: Instance\nmetadata: {name: " + name + "}\nspec: {" + spec + "}\n";
}

Vdc load(const std::string& yaml) {
  Diagnostics diags;
  Vdc vdc = testing::loadYaml(yaml, diags);
  EXPECT_TRUE(diags.empty()) << diags.str();
  return vdc;
}

HostInfo host(const std::string& name, long cpus, const std::string& memory,
              std::map<std::string, std::string> labels = {}) {
  return {name, std::move(labels), cpus, parseSize(memory)};
}

Json hostsOf(const Vdc& vdc, Kind kind, const std::string& name) {
  const Resource* r = vdc.find({kind, name});
  return r ? r->spec.value("hosts", Json()) : Json("missing");
}

// What the datacenter reports for an object it found on `hosts`.
void onHosts(LiveState& live, const Resource& r, const std::vector<std::string>& hosts) {
  Json spec = r.spec;
  spec["hosts"] = hosts;
  live.add({r.id, "test." + r.id.name, canonicalHash(spec), spec, {{"hosts", hosts}}});
}

}  // namespace

TEST(Placement, NewInstancesGoWhereMostMemoryIsFreeTiesToTheFirstHost) {
  Vdc vdc = load(instance("web", "replicas: 3, memory: 1GiB"));
  Diagnostics problems;
  planPlacement(vdc, LiveState{}, {host("a", 8, "4GiB"), host("b", 8, "4GiB")}, problems);
  EXPECT_TRUE(problems.empty()) << problems.str();
  EXPECT_EQ(hostsOf(vdc, Kind::Instance, "web-0"), Json({"a"}));
  EXPECT_EQ(hostsOf(vdc, Kind::Instance, "web-1"), Json({"b"}));
  EXPECT_EQ(hostsOf(vdc, Kind::Instance, "web-2"), Json({"a"}));
  // The plan's spec changed: so did its hash.
  const Resource* web = vdc.find({Kind::Instance, "web-0"});
  EXPECT_EQ(web->specHash, canonicalHash(web->spec));
}

TEST(Placement, RunningInstancesStayAndCountAgainstTheirHost) {
  Vdc before = load(instance("web", "replicas: 2, memory: 1GiB"));
  LiveState live;
  onHosts(live, *before.find({Kind::Instance, "web-0"}), {"b"});
  onHosts(live, *before.find({Kind::Instance, "web-1"}), {"b"});
  Vdc vdc = load(instance("web", "replicas: 4, memory: 1GiB"));
  Diagnostics problems;
  planPlacement(vdc, live, {host("a", 8, "3GiB"), host("b", 8, "4GiB")}, problems);
  EXPECT_TRUE(problems.empty()) << problems.str();
  EXPECT_EQ(hostsOf(vdc, Kind::Instance, "web-0"), Json({"b"}));
  EXPECT_EQ(hostsOf(vdc, Kind::Instance, "web-1"), Json({"b"}));
  EXPECT_EQ(hostsOf(vdc, Kind::Instance, "web-2"), Json({"a"}));  // a: 3GiB free, b: 2GiB
  EXPECT_EQ(hostsOf(vdc, Kind::Instance, "web-3"), Json({"a"}));  // 2GiB each: ties go to a
}

TEST(Placement, PlacementHostIsObeyedAndMovingThereIsAReplacement) {
  Vdc before = load(instance("db", "memory: 1GiB"));
  LiveState live;
  onHosts(live, *before.find({Kind::Instance, "db"}), {"a"});
  Vdc vdc = load(instance("db", "memory: 1GiB, placement: {host: b}"));
  Diagnostics problems;
  planPlacement(vdc, live, {host("a", 8, "4GiB"), host("b", 8, "4GiB")}, problems);
  EXPECT_TRUE(problems.empty()) << problems.str();
  EXPECT_EQ(hostsOf(vdc, Kind::Instance, "db"), Json({"b"}));
  Plan plan = diff(vdc, live, "test", false, problems);
  const Change* db = nullptr;
  for (const auto& c : plan.changes)
    if (c.id == ResourceId{Kind::Instance, "db"}) db = &c;
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->action, Action::Replace);
}

TEST(Placement, ReplicasSpreadAcrossTheDomainsOfALabel) {
  Vdc vdc = load(instance("app", "replicas: 2, memory: 1GiB, placement: {spreadBy: zone}") +
                 instance("solo", "replicas: 2, memory: 1GiB, placement: {spreadBy: host}"));
  Diagnostics problems;
  planPlacement(vdc, LiveState{},
                {host("a", 8, "8GiB", {{"zone", "x"}}), host("b", 8, "8GiB", {{"zone", "x"}}),
                 host("c", 8, "4GiB", {{"zone", "y"}})},
                problems);
  EXPECT_TRUE(problems.empty()) << problems.str();
  EXPECT_EQ(hostsOf(vdc, Kind::Instance, "app-0"), Json({"a"}));
  EXPECT_EQ(hostsOf(vdc, Kind::Instance, "app-1"), Json({"c"}));  // zone y, though b has more room
  EXPECT_EQ(hostsOf(vdc, Kind::Instance, "solo-0"), Json({"b"}));
  EXPECT_EQ(hostsOf(vdc, Kind::Instance, "solo-1"), Json({"a"}));  // another host than solo-0
}

TEST(Placement, NoRoomAndUnknownHostsAreProblemsThatSayWhy) {
  Vdc vdc = load(instance("big", "cpus: 4, memory: 2GiB") + instance("lost", "placement: {host: z}"));
  Diagnostics problems;
  planPlacement(vdc, LiveState{}, {host("a", 2, "4GiB"), host("b", 8, "1GiB")}, problems);
  std::string text = problems.str();
  EXPECT_NE(text.find("Instance/big needs 4 cpus and 2GiB: no host has room (a: 2 cpus, 4GiB free; "
                      "b: 8 cpus, 1GiB free)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Instance/lost: placement.host 'z' is not a host of the target (a, b)"), std::string::npos)
      << text;
}

TEST(Placement, VolumesImagesAndSharedKindsFollowTheInstances) {
  Vdc vdc = load(R"(---
apiVersion: vdc/v1
kind: Network
metadata: {name: net}
spec: {cidr: 10.0.0.0/24}
---
apiVersion: vdc/v1
kind: Image
metadata: {name: debian}
spec: {source: d.img}
---
apiVersion: vdc/v1
kind: Image
metadata: {name: spare}
spec: {source: s.img}
---
apiVersion: vdc/v1
kind: Volume
metadata: {name: data}
spec: {size: 1GiB, image: debian}
---
apiVersion: vdc/v1
kind: Volume
metadata: {name: loose}
spec: {size: 1GiB}
)" + instance("db", "image: debian, placement: {host: b}, volumes: [{volume: data}]"));
  LiveState live;
  onHosts(live, *vdc.find({Kind::Image, "spare"}), {"b"});
  Diagnostics problems;
  planPlacement(vdc, live, {host("a", 8, "4GiB"), host("b", 8, "4GiB")}, problems);
  EXPECT_TRUE(problems.empty()) << problems.str();
  EXPECT_EQ(hostsOf(vdc, Kind::Volume, "data"), Json({"b"}));    // with its instance
  EXPECT_EQ(hostsOf(vdc, Kind::Volume, "loose"), Json({"a"}));   // attached to nothing: the first host
  EXPECT_EQ(hostsOf(vdc, Kind::Image, "debian"), Json({"b"}));   // where something is made from it
  EXPECT_EQ(hostsOf(vdc, Kind::Image, "spare"), Json({"b"}));    // used by nothing: stays where it is
  EXPECT_EQ(hostsOf(vdc, Kind::Network, "net"), Json({"a", "b"}));
  EXPECT_EQ(hostsOf(vdc, Kind::VirtualDataCenter, "test"), Json({"a", "b"}));
}

TEST(Placement, OneHostGetsNoHostsInSpecsButItsCapacityIsChecked) {
  Vdc vdc = load(instance("web", "replicas: 3, memory: 1GiB"));
  Diagnostics problems;
  planPlacement(vdc, LiveState{}, {host("only", 8, "2GiB")}, problems);
  EXPECT_EQ(hostsOf(vdc, Kind::Instance, "web-0"), Json());
  EXPECT_NE(problems.str().find("Instance/web-2 needs 1 cpus and 1GiB: no host has room (only: 6 cpus, 0B free)"),
            std::string::npos)
      << problems.str();
}

}  // namespace vdc
