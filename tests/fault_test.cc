// Fault injection (providers/targets/faults.h): fail or kill vdc at every provider call
// of an apply and of a destroy of a ~50-resource VDC. After each, the next
// run converges with no duplicate and no orphan, and a plan is a no-op.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <regex>
#include <set>

#include "tests/cli_support.h"

namespace vdc::testing {

namespace {

// 50 resources: networks, security groups, an image, a key pair, volumes,
// instances with and without images and volumes, replicas, a load balancer.
std::string faultVdc() {
  std::string y = "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: faults}\n";
  auto doc = [&](const std::string& text) { y += "---\napiVersion: vdc/v1\n" + text; };
  doc("kind: Network\nmetadata: {name: front}\nspec: {cidr: 10.1.0.0/24, mode: nat}\n");
  doc("kind: Network\nmetadata: {name: back}\nspec: {cidr: 10.2.0.0/24}\n");
  doc("kind: SecurityGroup\nmetadata: {name: web}\nspec:\n  ingress: [{protocol: tcp, ports: '80', from: 0.0.0.0/0}]\n");
  doc("kind: SecurityGroup\nmetadata: {name: db}\nspec:\n  ingress: [{protocol: tcp, ports: '5432', from: web}]\n");
  doc("kind: Image\nmetadata: {name: base}\nspec: {source: base.qcow2}\n");
  doc("kind: KeyPair\nmetadata: {name: ops}\nspec: {publicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbQ1dD3uOd5nY4Xk2q0cH7Gm0a1yXrLwz8H2n0qk9fT ops}\n");
  for (int i = 0; i < 12; ++i) {
    std::string n = std::to_string(i);
    doc("kind: Volume\nmetadata: {name: data-" + n + "}\nspec: {size: 1GiB" + (i % 2 ? ", image: base" : "") + "}\n");
    doc("kind: Instance\nmetadata: {name: db-" + n + "}\nspec:\n  image: base\n  keyPairs: [ops]\n"
        "  interfaces: [{network: back}]\n  volumes: [{volume: data-" + n + "}]\n");
  }
  doc("kind: Instance\nmetadata: {name: web, labels: {tier: web}}\nspec:\n  replicas: 18\n  image: base\n"
      "  interfaces: [{network: front, securityGroups: [web]}, {network: back}]\n");
  doc("kind: LoadBalancer\nmetadata: {name: lb}\nspec:\n  network: front\n  listeners: [{port: 80}]\n"
      "  backends: {selector: {tier: web}}\n");
  return y;
}

constexpr int kResources = 50;

// Every object of the VDC on the datacenter, by name, counted.
std::multiset<std::string> objects(const std::filesystem::path& sim) {
  std::multiset<std::string> names;
  std::string xml = readFile(sim);
  std::regex name("<name>(faults\\.[^<]*)</name>");
  for (auto it = std::sregex_iterator(xml.begin(), xml.end(), name); it != std::sregex_iterator(); ++it)
    names.insert((*it)[1]);
  return names;
}

class Faults : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    writeFile(dir.path() / "vdc" / "vdc.yaml", faultVdc());
    Result clean = vdc(dir.path(), "apply vdc --auto-approve");
    ASSERT_EQ(clean.exit, 0) << clean.err;
    ASSERT_NE(clean.out.find("Apply complete: " + std::to_string(kResources) + " created"), std::string::npos)
        << clean.out;
    applied = readFile(sim());
    expected = objects(sim());
    ASSERT_EQ(vdc(dir.path(), "destroy vdc --auto-approve").exit, 0);
    empty = readFile(sim());
  }

  std::filesystem::path sim() const { return dir.path() / ".vdc" / "sim.xml"; }
  std::string fault(int k) const { return "VDC_FAULT=" + GetParam() + ":" + std::to_string(k) + " "; }

  TempDir dir;
  std::string applied, empty;
  std::multiset<std::string> expected;
};

}  // namespace

TEST_P(Faults, EveryCallOfAnApply) {
  for (int k : sweptCalls(kResources)) {
    SCOPED_TRACE("fault at call " + std::to_string(k));
    writeFile(sim(), empty);
    Result broken = shell(dir.path(), fault(k) + VDC_BINARY + " apply vdc --auto-approve");
    ASSERT_NE(broken.exit, 0) << broken.out;
    Result again = vdc(dir.path(), "apply vdc --auto-approve");
    ASSERT_EQ(again.exit, 0) << again.err.substr(0, 3000);
    EXPECT_EQ(objects(sim()), expected) << "duplicates or orphans after the fault";
    ASSERT_EQ(vdc(dir.path(), "plan vdc --detailed-exitcode").exit, 0);
  }
  // One more call than there are: nothing misbehaves.
  writeFile(sim(), empty);
  EXPECT_EQ(shell(dir.path(), fault(kResources + 1) + VDC_BINARY + " apply vdc --auto-approve").exit, 0);
}

TEST_P(Faults, EveryCallOfADestroy) {
  for (int k : sweptCalls(kResources)) {
    SCOPED_TRACE("fault at call " + std::to_string(k));
    writeFile(sim(), applied);
    Result broken = shell(dir.path(), fault(k) + VDC_BINARY + " destroy vdc --auto-approve");
    ASSERT_NE(broken.exit, 0) << broken.out;
    Result again = vdc(dir.path(), "destroy vdc --auto-approve");
    ASSERT_EQ(again.exit, 0) << again.err.substr(0, 3000);
    EXPECT_TRUE(objects(sim()).empty()) << "left behind: " << *objects(sim()).begin();
    EXPECT_EQ(readFile(sim()).find("urn:vdc:ownership"), std::string::npos);
  }
}

namespace {

// The next version of the VDC: two replicas more, two instances grow, a
// group and an instance with its volume go, a volume is made anew from the
// image. Everything an apply does, undone or not.
std::string nextFaultVdc() {
  std::string y = faultVdc();
  auto swap = [&](const std::string& from, const std::string& to) {
    size_t at = y.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) y.replace(at, from.size(), to);
  };
  swap("replicas: 18", "replicas: 20");
  swap("metadata: {name: db-0}\nspec:\n", "metadata: {name: db-0}\nspec:\n  memory: 1GiB\n");
  swap("metadata: {name: db-1}\nspec:\n", "metadata: {name: db-1}\nspec:\n  memory: 1GiB\n");
  swap("---\napiVersion: vdc/v1\nkind: SecurityGroup\nmetadata: {name: db}\nspec:\n"
       "  ingress: [{protocol: tcp, ports: '5432', from: web}]\n", "");
  swap("metadata: {name: data-0}\nspec: {size: 1GiB}", "metadata: {name: data-0}\nspec: {size: 1GiB, image: base}");
  swap("---\napiVersion: vdc/v1\nkind: Volume\nmetadata: {name: data-11}\nspec: {size: 1GiB, image: base}\n", "");
  size_t db11 = y.find("---\napiVersion: vdc/v1\nkind: Instance\nmetadata: {name: db-11}");
  y.erase(db11, y.find("---", db11 + 3) - db11);
  return y;
}

// The changes of a plan, without what says when it was read.
Json changesOf(const Result& plan) {
  Json json = Json::parse(plan.out, nullptr, false);
  return json.is_object() ? json["changes"] : Json();
}

}  // namespace

// --atomic: after a failure at any call, the datacenter is as it was; after
// a kill, the next run finishes the apply. Either way one more run leaves
// the new version whole.
TEST_P(Faults, EveryCallOfAnAtomicApply) {
  writeFile(dir.path() / "next" / "vdc.yaml", nextFaultVdc());
  writeFile(sim(), applied);
  const std::string atomic = " apply next --auto-approve --atomic --allow-irreversible";
  Result before = vdc(dir.path(), "plan next --json");
  ASSERT_EQ(before.exit, 0) << before.err;
  Json planned = changesOf(before);
  ASSERT_GE(planned.size(), 8u) << before.out;
  ASSERT_EQ(vdc(dir.path(), atomic).exit, 0);
  std::multiset<std::string> next = objects(sim());
  ASSERT_NE(next, expected);

  // The number of calls: a fault past the last one never fires, so the
  // apply succeeds from there on (a binary search; the sweep may be sampled).
  auto succeedsWithFaultAt = [&](int k) {
    writeFile(sim(), applied);
    return shell(dir.path(), fault(k) + VDC_BINARY + atomic).exit == 0;
  };
  int low = 1, high = 200;  // the first call whose fault never fires lies in [low, high]
  ASSERT_TRUE(succeedsWithFaultAt(high));
  while (low < high) {
    int mid = (low + high) / 2;
    if (succeedsWithFaultAt(mid)) high = mid;
    else low = mid + 1;
  }
  const int calls = low - 1;
  ASSERT_GE(calls, 8) << "every change is at least one call";

  for (int k : sweptCalls(calls)) {
    SCOPED_TRACE("fault at call " + std::to_string(k));
    writeFile(sim(), applied);
    Result broken = shell(dir.path(), fault(k) + VDC_BINARY + atomic);
    ASSERT_NE(broken.exit, 0) << broken.out;
    if (GetParam() == "fail") {
      EXPECT_NE(broken.out.find("rolled back"), std::string::npos) << broken.out << broken.err;
      EXPECT_EQ(objects(sim()), expected) << "the old version, whole";
      EXPECT_EQ(changesOf(vdc(dir.path(), "plan next --json")), planned) << "the plan afterwards is the plan before";
    }
    Result again = vdc(dir.path(), atomic);
    ASSERT_EQ(again.exit, 0) << again.err.substr(0, 3000);
    EXPECT_EQ(objects(sim()), next) << "the new version, whole";
    ASSERT_EQ(vdc(dir.path(), "plan next --detailed-exitcode").exit, 0);
  }

  // A failure at the last call undoes the most; a death at each call of that
  // undo (at each N-th when the sweep is sampled, up to the first past it).
  for (int m = calls + 1; GetParam() == "kill"; m += sweepStep(calls)) {
    SCOPED_TRACE("killed at call " + std::to_string(m) + " while undoing");
    ASSERT_LT(m, 3 * calls) << "an undo takes no more calls than its apply";
    writeFile(sim(), applied);
    Result broken = shell(dir.path(), "VDC_FAULT=fail:" + std::to_string(calls) + ",kill:" + std::to_string(m) + " " +
                                          VDC_BINARY + atomic);
    ASSERT_NE(broken.exit, 0);
    if (broken.err.find("killed by VDC_FAULT") == std::string::npos) {
      EXPECT_NE(broken.out.find("rolled back"), std::string::npos) << "past the undo's last call";
      EXPECT_EQ(objects(sim()), expected);
      break;
    }
    Result again = vdc(dir.path(), atomic);
    ASSERT_EQ(again.exit, 0) << again.err.substr(0, 3000);
    EXPECT_EQ(objects(sim()), next);
    ASSERT_EQ(vdc(dir.path(), "plan next --detailed-exitcode").exit, 0);
  }
}

INSTANTIATE_TEST_SUITE_P(FailOrKill, Faults, ::testing::Values("fail", "kill"));

TEST(FaultPlan, RejectsMalformedSettings) {
  TempDir dir;
  writeFile(dir.path() / "vdc.yaml", "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: x}\n");
  Result bad = shell(dir.path(), std::string("VDC_FAULT=explode:3 ") + VDC_BINARY + " plan .");
  EXPECT_EQ(bad.exit, 1);
  EXPECT_NE(bad.err.find("VDC_FAULT must be fail:K, flake:K, kill:K or hold:K"), std::string::npos) << bad.err;
}

}  // namespace vdc::testing
