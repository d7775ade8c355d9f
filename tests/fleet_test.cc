// A Target of several hosts, each an embedded datacenter of its own file:
// the vdc binary places, applies, heals and moves the webshop example across
// them. What each host holds is read with a Target of that host alone.
#include <gtest/gtest.h>

#include <set>

#include "tests/cli_support.h"

namespace vdc::testing {

namespace {

class Fleet : public ::testing::Test {
 protected:
  void SetUp() override {
    copyExample("webshop", dir.path() / "shop");
    writeTarget("32GiB");
    for (const char* host : {"rack1", "rack2"})
      writeFile(dir.path() / (std::string(host) + ".yaml"),
                "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: " + std::string(host) +
                    "}\nspec:\n  embedded: {path: " + host + ".xml}\n");
  }

  void writeTarget(const std::string& rack2Memory) {
    writeFile(dir.path() / "fleet.yaml", R"(apiVersion: vdc/v1
kind: Target
metadata: {name: racks}
spec:
  hosts:
    - {name: rack1, embedded: {path: rack1.xml}, capacity: {cpus: 8, memory: 16GiB}, labels: {zone: a}}
    - {name: rack2, embedded: {path: rack2.xml}, capacity: {cpus: 16, memory: )" +
                                             rack2Memory + R"(}, labels: {zone: b}}
)");
  }

  Result run(const std::string& command, const std::string& target = "fleet.yaml") {
    return vdc(dir.path(), command + " shop --target " + target);
  }

  // The resources one host holds, as "Kind/name".
  std::set<std::string> on(const std::string& host) {
    Result show = run("show --json", host + ".yaml");
    EXPECT_EQ(show.exit, 0) << show.err;
    std::set<std::string> found;
    Json shown = Json::parse(show.out);
    for (const auto& r : shown["resources"]) found.insert(r["address"].get<std::string>());
    return found;
  }

  // Where the plan puts a resource.
  static Json plannedHosts(const Json& plan, const std::string& address) {
    for (const auto& c : plan["changes"])
      if (c["address"] == address) return c["after"].value("hosts", Json());
    return Json("not in the plan");
  }

  TempDir dir;
};

}  // namespace

TEST_F(Fleet, ResourcesArePlacedAndMadeOnTheirHostsAndSharedOnesOnEvery) {
  Result plan = run("plan --json");
  ASSERT_EQ(plan.exit, 0) << plan.err;
  Json planned = Json::parse(plan.out);
  // db (4 cpus, 8GiB) goes first to the host with most free memory; its volumes follow it.
  EXPECT_EQ(plannedHosts(planned, "Instance/db"), Json({"rack2"}));
  EXPECT_EQ(plannedHosts(planned, "Volume/db-data"), Json({"rack2"}));
  EXPECT_EQ(plannedHosts(planned, "Network/backend"), Json({"rack1", "rack2"}));
  EXPECT_EQ(plannedHosts(planned, "KeyPair/ops"), Json({"rack1", "rack2"}));

  Result apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0);
  std::set<std::string> rack1 = on("rack1"), rack2 = on("rack2");
  EXPECT_TRUE(rack2.count("Instance/db") && rack2.count("Volume/db-data") && rack2.count("Volume/db-wal"));
  EXPECT_FALSE(rack1.count("Instance/db") || rack1.count("Volume/db-data"));
  for (const auto& r : planned["changes"]) {
    std::string address = r["address"];
    Json hosts = r["after"]["hosts"];
    bool shouldBeOn1 = std::find(hosts.begin(), hosts.end(), "rack1") != hosts.end();
    bool shouldBeOn2 = std::find(hosts.begin(), hosts.end(), "rack2") != hosts.end();
    EXPECT_EQ(rack1.count(address) == 1, shouldBeOn1) << address << " on rack1";
    EXPECT_EQ(rack2.count(address) == 1, shouldBeOn2) << address << " on rack2";
  }
}

// Bounds per host and per pool (engine/apply_test.cc counts them held): the
// binary applies the whole example within them and destroys it again.
TEST_F(Fleet, AnApplyWithinBoundsPerHostAndPoolConverges) {
  writeFile(dir.path() / "bounded.yaml", R"(apiVersion: vdc/v1
kind: Target
metadata: {name: bounded}
spec:
  hosts:
    - {name: rack1, embedded: {path: rack1.xml}, capacity: {cpus: 8, memory: 16GiB}, maxParallel: 1}
    - {name: rack2, embedded: {path: rack2.xml}, capacity: {cpus: 16, memory: 32GiB}, maxParallel: 3}
  storageClasses:
    standard: {pool: standard, maxParallel: 1}
)");
  Result apply = vdc(dir.path(), "apply shop --target bounded.yaml --auto-approve --parallelism 10");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_EQ(run("plan --detailed-exitcode", "bounded.yaml").exit, 0);
  Result destroy = vdc(dir.path(), "destroy shop --target bounded.yaml --auto-approve");
  ASSERT_EQ(destroy.exit, 0) << destroy.out << destroy.err;
  EXPECT_TRUE(on("rack1").empty());
  EXPECT_TRUE(on("rack2").empty());
}

TEST_F(Fleet, AResourceMissingFromOneHostIsMadeThereAgain) {
  ASSERT_EQ(run("apply --auto-approve").exit, 0);
  // The network goes from rack2 behind vdc's back.
  std::string xml = readFile(dir.path() / "rack2.xml");
  auto name = xml.find("<name>webshop.backend</name>");
  ASSERT_NE(name, std::string::npos);
  auto start = xml.rfind("<network", name), end = xml.find("</network>", name) + 10;
  writeFile(dir.path() / "rack2.xml", xml.erase(start, end - start));
  EXPECT_FALSE(on("rack2").count("Network/backend"));

  Result plan = run("plan --detailed-exitcode");
  EXPECT_EQ(plan.exit, 2);
  EXPECT_NE(plan.out.find("hosts: [\"rack1\"] -> [\"rack1\",\"rack2\"]   # drift"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("0 to create, 1 to update, 0 to replace, 0 to delete"), std::string::npos) << plan.out;
  ASSERT_EQ(run("apply --auto-approve").exit, 0);
  EXPECT_TRUE(on("rack2").count("Network/backend"));
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0);
}

TEST_F(Fleet, AChangeOutsideVdcOnOneHostShowsAndIsUndone) {
  ASSERT_EQ(run("apply --auto-approve").exit, 0);
  // The MTU of the front network on rack2 only, behind vdc's back.
  std::string xml = readFile(dir.path() / "rack2.xml");
  auto network = xml.find("<name>webshop.frontend</name>");
  ASSERT_NE(network, std::string::npos);
  auto mtu = xml.find("<mtu size='1500'/>", network);
  ASSERT_NE(mtu, std::string::npos);
  writeFile(dir.path() / "rack2.xml", xml.replace(mtu, 18, "<mtu size='9000'/>"));

  Result plan = run("plan --detailed-exitcode");
  EXPECT_EQ(plan.exit, 2);
  EXPECT_NE(plan.out.find("~ Network/frontend (drift)\n      mtu: 9000 -> 1500   # drift: changed outside vdc"),
            std::string::npos)
      << plan.out;
  ASSERT_EQ(run("apply --auto-approve").exit, 0);
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0);
  std::string healed = readFile(dir.path() / "rack2.xml");
  auto again = healed.find("<name>webshop.frontend</name>");
  ASSERT_NE(again, std::string::npos);
  auto healedMtu = healed.find("<mtu", again);
  ASSERT_NE(healedMtu, std::string::npos);
  EXPECT_EQ(healed.substr(healedMtu, 18), "<mtu size='1500'/>");
}

TEST_F(Fleet, PlacementHostMovesAnInstanceWithItsVolumesAndNoRoomChangesNothing) {
  ASSERT_EQ(run("apply --auto-approve").exit, 0);
  std::string manifest = readFile(dir.path() / "shop" / "instances.yaml");
  std::string moved = manifest;
  moved.replace(moved.find("  memory: 8GiB\n"), 15, "  memory: 8GiB\n  placement: {host: rack1}\n");
  writeFile(dir.path() / "shop" / "instances.yaml", moved);
  Result plan = run("plan");
  EXPECT_NE(plan.out.find("-/+ Instance/db (replace)"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("-/+ Volume/db-data (replace)"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("hosts: [\"rack2\"] -> [\"rack1\"]   # forces replacement"), std::string::npos) << plan.out;
  ASSERT_EQ(run("apply --auto-approve").exit, 0);
  EXPECT_TRUE(on("rack1").count("Instance/db") && on("rack1").count("Volume/db-data"));
  EXPECT_FALSE(on("rack2").count("Instance/db") || on("rack2").count("Volume/db-data"));

  // Twice the web tier does not fit: refused with the place of the manifest, and nothing is made.
  std::set<std::string> before1 = on("rack1"), before2 = on("rack2");
  std::string scaled = readFile(dir.path() / "shop" / "instances.yaml");
  scaled.replace(scaled.find("replicas: 3"), 11, "replicas: 9");
  writeFile(dir.path() / "shop" / "instances.yaml", scaled);
  writeTarget("12GiB");
  Result full = run("apply --auto-approve");
  EXPECT_EQ(full.exit, 1);
  EXPECT_NE(full.err.find("instances.yaml:"), std::string::npos) << full.err;
  EXPECT_NE(full.err.find(": no host has room (rack1: "), std::string::npos) << full.err;
  EXPECT_EQ(on("rack1"), before1);
  EXPECT_EQ(on("rack2"), before2);

  writeFile(dir.path() / "shop" / "instances.yaml", manifest);
  writeTarget("32GiB");
  ASSERT_EQ(run("destroy --auto-approve").exit, 0);
  EXPECT_TRUE(on("rack1").empty());
  EXPECT_TRUE(on("rack2").empty());
}

TEST_F(Fleet, TargetHostsAreCheckedAllAtOnce) {
  writeFile(dir.path() / "bad.yaml", R"(apiVersion: vdc/v1
kind: Target
metadata: {name: bad}
spec:
  switch: {type: ovs}
  hosts:
    - {uri: "qemu+ssh://root@h1/system", capacity: {cpus: 0, memroy: 1GiB}}
    - {uri: "qemu+ssh://admin@h1:2222/system", zone: a}
)");
  Result bad = run("plan", "bad.yaml");
  EXPECT_EQ(bad.exit, 1);
  EXPECT_NE(bad.err.find("bad.yaml:5:11: switch type ovs drives the Open vSwitch of the machine vdc runs on"),
            std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("bad.yaml:7:59: capacity cpus must be a whole number of at least 1"), std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("unknown field 'memroy' in host capacity (did you mean 'memory'?)"), std::string::npos)
      << bad.err;
  EXPECT_NE(bad.err.find("unknown field 'zone' in a host"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("bad.yaml:8:7: two hosts are named 'h1' (the other at bad.yaml:7:7): give each a name"),
            std::string::npos)
      << bad.err;
}

// A field of the wrong type is an error at its place, never a default taken
// in silence; a key given twice names both places.
TEST_F(Fleet, WrongTypesAndDuplicateKeysInATargetAreErrors) {
  writeFile(dir.path() / "typed.yaml", R"(apiVersion: vdc/v1
kind: Target
metadata: {name: typed}
spec:
  embedded: {path: [a, b]}
  storageClasses: {standard: {pool: {name: x}}}
  switch: {type: [ovs]}
  allowedPaths: /srv
  appliances: {loadBalancer: [x]}
  embedded: {path: other.xml}
)");
  Result bad = run("plan", "typed.yaml");
  EXPECT_EQ(bad.exit, 1);
  for (const char* expected : {"typed.yaml:5:20: embedded.path must be a string",
                               "typed.yaml:6:37: a storage class's pool must be a string",
                               "typed.yaml:7:18: switch type must be a string",
                               "typed.yaml:8:17: allowedPaths is a list of directories",
                               "typed.yaml:9:30: appliances.loadBalancer must be a mapping",
                               "typed.yaml:10:3: duplicate key 'embedded' (first at typed.yaml:5:3)"})
    EXPECT_NE(bad.err.find(expected), std::string::npos) << expected << "\n" << bad.err;
}

}  // namespace vdc::testing
