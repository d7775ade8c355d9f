// The parallel walk, against an in-memory datacenter that records calls.
#include "engine/apply.h"

#include <gtest/gtest.h>

#include "engine/test_support.h"

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace vdc {

namespace {

class RecordingProvider : public Registry {
 public:
  std::vector<Kind> kinds() const override {
    return {Kind::VirtualDataCenter, Kind::Network, Kind::SecurityGroup, Kind::Image,
            Kind::KeyPair,           Kind::Volume,  Kind::Instance,      Kind::LoadBalancer};
  }
  void read(const std::string&, LiveState&) override {}
  void create(const Ownership& o) override { act("create " + o.id.str(), o.id, o.spec); }
  void update(const Ownership& o, const LiveObject&) override { act("update " + o.id.str(), o.id, o.spec); }
  void remove(const std::string&, const LiveObject& l) override { act("remove " + l.id.str(), l.id, l.recorded); }
  void release(const std::string&, const LiveObject& l, const std::vector<ResourceId>& leaving) override {
    std::string call = "release " + l.id.str() + " of";
    for (const auto& id : leaving) call += " " + id.str();
    act(call, l.id, l.recorded);
  }

  std::vector<std::string> calls;
  std::set<ResourceId> failing;
  std::set<ResourceId> flaky;  // fail transiently
  int maxConcurrent = 0;
  std::chrono::milliseconds delay{0};
  std::function<void()> onCall;
  // Calls at once per group (groupOf a call's resource and spec; "" for none).
  std::function<std::string(const ResourceId&, const Json&)> groupOf;
  std::map<std::string, int> maxConcurrentIn;
  // Until this many calls of a group ("" for all calls) have once run at
  // the same time, a call of it waits for the others (up to 10 s): a test
  // of how wide the walk goes then sees that width whatever the machine's
  // load, not only when threads overlap by luck.
  std::map<std::string, int> awaitRunning;

  size_t at(const std::string& call) const {
    return std::find(calls.begin(), calls.end(), call) - calls.begin();
  }

 private:
  void act(const std::string& call, const ResourceId& id, const Json& spec) {
    std::string group = groupOf ? groupOf(id, spec) : "";
    {
      std::unique_lock lock(mutex_);
      maxConcurrent = std::max(maxConcurrent, ++running_);
      if (!group.empty()) maxConcurrentIn[group] = std::max(maxConcurrentIn[group], ++runningIn_[group]);
      wake_.notify_all();
      auto seen = [&](const std::string& key, int widest) {
        auto it = awaitRunning.find(key);
        return it == awaitRunning.end() || widest >= it->second;
      };
      wake_.wait_for(lock, std::chrono::seconds(10), [&] {
        return seen("", maxConcurrent) && (group.empty() || seen(group, maxConcurrentIn[group]));
      });
    }
    if (onCall) onCall();
    std::this_thread::sleep_for(delay);
    std::lock_guard lock(mutex_);
    --running_;
    if (!group.empty()) --runningIn_[group];
    calls.push_back(call);
    if (failing.count(id)) throw Error("injected failure");
    if (flaky.count(id)) throw Error("connection lost", 1, true);
  }
  std::mutex mutex_;
  std::condition_variable wake_;
  int running_ = 0;
  std::map<std::string, int> runningIn_;
};

class FakeDatacenter : public Datacenter {
 public:
  std::string describe() const override { return "fake"; }
  std::shared_ptr<LockService> ownLocks() const override { return nullptr; }
  std::vector<Provider*> providers() override { return {&provider}; }
  void commit() override {}
  RecordingProvider provider;
};

Change change(Kind kind, const std::string& name, Action action, std::vector<ResourceId> deps = {}) {
  Change c;
  c.id = {kind, name};
  c.action = action;
  if (action != Action::Delete) c.after = Json::object();
  c.dependencies = std::move(deps);
  if (action == Action::Replace) c.priorDependencies = c.dependencies;
  return c;
}

LiveState liveFor(const Plan& plan) {
  LiveState live;
  for (const auto& c : plan.changes)
    if (c.action != Action::Create) live.add({c.id, c.id.name, "", Json::object(), Json::object()});
  return live;
}

}  // namespace

TEST(Apply, CreatesAfterWhatTheyNeed) {
  Plan plan;
  ResourceId net{Kind::Network, "n"}, vol{Kind::Volume, "v"};
  plan.changes = {change(Kind::Instance, "i", Action::Create, {net, vol}), change(Kind::Network, "n", Action::Create),
                  change(Kind::Volume, "v", Action::Create)};
  FakeDatacenter dc;
  ApplyReport report = apply(plan, dc, liveFor(plan), {.parallelism = 4});
  ASSERT_TRUE(report.ok());
  EXPECT_LT(dc.provider.at("create Network/n"), dc.provider.at("create Instance/i"));
  EXPECT_LT(dc.provider.at("create Volume/v"), dc.provider.at("create Instance/i"));
}

TEST(Apply, DeletesBeforeWhatTheyNeeded) {
  Plan plan;
  ResourceId net{Kind::Network, "n"};
  plan.changes = {change(Kind::Network, "n", Action::Delete), change(Kind::Instance, "i", Action::Delete, {net})};
  FakeDatacenter dc;
  ASSERT_TRUE(apply(plan, dc, liveFor(plan), {.parallelism = 4}).ok());
  EXPECT_LT(dc.provider.at("remove Instance/i"), dc.provider.at("remove Network/n"));
}

TEST(Apply, ReplaceRemovesThenCreates) {
  Plan plan;
  plan.changes = {change(Kind::Volume, "v", Action::Replace)};
  FakeDatacenter dc;
  ApplyReport report = apply(plan, dc, liveFor(plan), {});
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(dc.provider.calls.size(), 2u);
  EXPECT_EQ(dc.provider.calls[0], "remove Volume/v");
  EXPECT_EQ(dc.provider.calls[1], "create Volume/v");
}

TEST(Apply, WhatFollowsAReplaceLetsGoBeforeItGoesAndTakesItAfter) {
  Plan plan;
  ResourceId volume{Kind::Volume, "v"};
  Change follower = change(Kind::Instance, "i", Action::Update, {volume});
  follower.follows = {volume};
  plan.changes = {change(Kind::Volume, "v", Action::Replace), follower, change(Kind::Network, "n", Action::Update)};
  EXPECT_EQ(operationCount(plan), 5u);
  FakeDatacenter dc;
  ApplyReport report = apply(plan, dc, liveFor(plan), {.parallelism = 4});
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report.outcomes.size(), 5u);
  auto& calls = dc.provider;
  EXPECT_LT(calls.at("release Instance/i of Volume/v"), calls.at("remove Volume/v"));
  EXPECT_LT(calls.at("remove Volume/v"), calls.at("create Volume/v"));
  EXPECT_LT(calls.at("create Volume/v"), calls.at("update Instance/i"));
  EXPECT_EQ(calls.calls.size(), 5u);
}

TEST(Apply, AMakeThatDependsOnADeleteWaitsForIt) {
  Plan plan;
  plan.changes = {change(Kind::Instance, "new", Action::Create, {{Kind::Instance, "old"}}),
                  change(Kind::Instance, "old", Action::Delete)};
  FakeDatacenter dc;
  ASSERT_TRUE(apply(plan, dc, liveFor(plan), {.parallelism = 4}).ok());
  EXPECT_LT(dc.provider.at("remove Instance/old"), dc.provider.at("create Instance/new"));
}

// Detached and deleted in one plan: the instance lets go before the volume goes.
TEST(Apply, AnUpdateThatLetsGoOfWhatIsDeletedGoesFirst) {
  Plan plan;
  Change detach = change(Kind::Instance, "i", Action::Update);
  detach.before = {{"volumes", {{{"volume", "v"}}}}, {"image", "base"}};
  plan.changes = {change(Kind::Volume, "v", Action::Delete), detach};
  FakeDatacenter dc;
  ASSERT_TRUE(apply(plan, dc, liveFor(plan), {.parallelism = 4}).ok());
  EXPECT_LT(dc.provider.at("update Instance/i"), dc.provider.at("remove Volume/v"));
}

TEST(Apply, OperationsThatWaitOnEachOtherAreRefusedBeforeAnyBegins) {
  Plan plan;
  plan.changes = {change(Kind::Network, "a", Action::Create, {{Kind::Network, "b"}}),
                  change(Kind::Network, "b", Action::Create, {{Kind::Network, "a"}})};
  FakeDatacenter dc;
  EXPECT_NE(testing::errorOf([&] { apply(plan, dc, liveFor(plan), {}); }).find("wait on each other"), std::string::npos);
  EXPECT_TRUE(dc.provider.calls.empty());
}

TEST(Apply, AReleaseThatFailsLeavesWhatItFollowsAlone) {
  Plan plan;
  ResourceId volume{Kind::Volume, "v"};
  Change follower = change(Kind::Instance, "i", Action::Update, {volume});
  follower.follows = {volume};
  plan.changes = {change(Kind::Volume, "v", Action::Replace), follower};
  FakeDatacenter dc;
  dc.provider.failing = {{Kind::Instance, "i"}};
  ApplyReport report = apply(plan, dc, liveFor(plan), {.parallelism = 4});
  EXPECT_EQ(report.count(Status::Failed), 1u);
  EXPECT_EQ(report.count(Status::Skipped), 3u) << "the volume stays where the instance still holds it";
  EXPECT_EQ(dc.provider.calls, std::vector<std::string>{"release Instance/i of Volume/v"});
}

TEST(Apply, AFailureSkipsDependentsButNotIndependentWork) {
  Plan plan;
  ResourceId net{Kind::Network, "n"}, a{Kind::Instance, "a"};
  plan.changes = {change(Kind::Network, "n", Action::Create), change(Kind::Instance, "a", Action::Create, {net}),
                  change(Kind::LoadBalancer, "lb", Action::Create, {a}), change(Kind::Volume, "v", Action::Create)};
  FakeDatacenter dc;
  dc.provider.failing = {net};
  ApplyReport report = apply(plan, dc, liveFor(plan), {.parallelism = 2});
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.count(Status::Failed), 1u);
  EXPECT_EQ(report.count(Status::Skipped), 2u);
  EXPECT_EQ(report.count(Status::Done), 1u);
  EXPECT_EQ(report.outcomes[0].error, "injected failure");
  EXPECT_EQ(report.outcomes[2].error, "skipped: Network/n failed");
  EXPECT_EQ(dc.provider.at("create Instance/a"), dc.provider.calls.size());  // never called
}

TEST(Apply, AReportIsTransientOnlyWhenEveryFailureIs) {
  Plan plan;
  plan.changes = {change(Kind::Network, "n", Action::Create), change(Kind::Volume, "v", Action::Create)};
  FakeDatacenter dc;
  dc.provider.flaky = {{Kind::Network, "n"}};
  ApplyReport report = apply(plan, dc, liveFor(plan), {.parallelism = 1});
  EXPECT_TRUE(report.outcomes[0].transient);
  EXPECT_TRUE(report.transient());
  dc.provider.failing = {{Kind::Volume, "v"}};
  dc.provider.calls.clear();
  report = apply(plan, dc, liveFor(plan), {.parallelism = 1});
  EXPECT_FALSE(report.outcomes[1].transient);
  EXPECT_FALSE(report.transient()) << "one failure for good: trying again as it is would not pass";
  dc.provider.flaky.clear();
  dc.provider.failing.clear();
  EXPECT_FALSE(apply(plan, dc, liveFor(plan), {}).transient()) << "nothing failed";
}

TEST(Apply, RunsIndependentWorkInParallelUpToTheLimit) {
  Plan plan;
  for (int i = 0; i < 12; ++i) plan.changes.push_back(change(Kind::Instance, "i" + std::to_string(i), Action::Create));
  FakeDatacenter dc;
  dc.provider.awaitRunning = {{"", 4}};
  ASSERT_TRUE(apply(plan, dc, liveFor(plan), {.parallelism = 4}).ok());
  EXPECT_EQ(dc.provider.maxConcurrent, 4);
  FakeDatacenter serial;
  ASSERT_TRUE(apply(plan, serial, liveFor(plan), {.parallelism = 1}).ok());
  EXPECT_EQ(serial.provider.maxConcurrent, 1);
}

// A Target's maxParallel: host a takes 2 operations at once, the slow pool
// 1 on each host, while host b's instances run as wide as --parallelism.
TEST(Apply, HoldsEachHostAndPoolToItsLimit) {
  Plan plan;
  auto on = [&](Kind kind, const std::string& name, const std::string& host, Json spec = Json::object()) {
    Change c = change(kind, name, Action::Create);
    spec["hosts"] = {host};
    c.after = spec;
    plan.changes.push_back(c);
  };
  for (int i = 0; i < 8; ++i) on(Kind::Instance, "a" + std::to_string(i), "a");
  for (int i = 0; i < 8; ++i) on(Kind::Instance, "b" + std::to_string(i), "b");
  for (int i = 0; i < 4; ++i) on(Kind::Volume, "slow" + std::to_string(i), "b", {{"storageClass", "slow"}});
  FakeDatacenter dc;
  dc.limits.hosts = {"a", "b"};
  dc.limits.perHost = {{"a", 2}};
  dc.limits.poolOfClass = {{"slow", "slow-disks"}};
  dc.limits.perPool = {{"slow-disks", 1}};
  dc.provider.delay = std::chrono::milliseconds(20);
  dc.provider.groupOf = [](const ResourceId& id, const Json& spec) {
    if (id.kind == Kind::Volume) return std::string("slow pool on ") + spec["hosts"][0].get<std::string>();
    return "host " + spec["hosts"][0].get<std::string>();
  };
  dc.provider.awaitRunning = {{"host b", 4}};
  ASSERT_TRUE(apply(plan, dc, liveFor(plan), {.parallelism = 8}).ok());
  EXPECT_EQ(dc.provider.maxConcurrentIn["host a"], 2);
  EXPECT_EQ(dc.provider.maxConcurrentIn["slow pool on b"], 1);
  EXPECT_GE(dc.provider.maxConcurrentIn["host b"], 4);  // no bound of its own: only the slow pool's
  EXPECT_EQ(dc.provider.calls.size(), 20u);

  // Without the limits, the same plan takes the whole width on host a.
  FakeDatacenter unbounded;
  unbounded.provider.delay = dc.provider.delay;
  unbounded.provider.groupOf = dc.provider.groupOf;
  unbounded.provider.awaitRunning = {{"host a", 3}, {"slow pool on b", 2}};
  ASSERT_TRUE(apply(plan, unbounded, liveFor(plan), {.parallelism = 8}).ok());
  EXPECT_GT(unbounded.provider.maxConcurrentIn["host a"], 2);
  EXPECT_GT(unbounded.provider.maxConcurrentIn["slow pool on b"], 1);
}

// A delete holds the host the object is on (its record), not where a
// replacement would go.
TEST(Apply, BoundsOfAnOperationFollowItsStep) {
  ParallelLimits limits;
  limits.hosts = {"a", "b"};
  limits.perHost = {{"a", 1}, {"b", 3}};
  limits.perPool = {{"standard", 2}};
  using Bound = ParallelLimits::Bound;
  EXPECT_EQ(limits.boundsOf(Kind::Instance, {{"hosts", {"b"}}}),
            (std::vector<Bound>{{"host/b", 3}, {"host/b/pool/standard", 2}}));
  EXPECT_EQ(limits.boundsOf(Kind::Network, Json::object()), (std::vector<Bound>{{"host/a", 1}, {"host/b", 3}}));
  EXPECT_EQ(limits.boundsOf(Kind::Volume, {{"storageClass", "fast"}, {"hosts", {"a"}}}),
            (std::vector<Bound>{{"host/a", 1}}));
  EXPECT_TRUE(ParallelLimits{}.boundsOf(Kind::Instance, Json::object()).empty());

  // Instance i moves from host a to b: its removal holds host a, whose
  // limit of 1 it shares with three creates there.
  Plan plan;
  Change moved = change(Kind::Instance, "i", Action::Replace);
  moved.before = {{"hosts", {"a"}}};
  moved.after = {{"hosts", {"b"}}};
  plan.changes = {moved};
  for (int n = 0; n < 3; ++n) {
    plan.changes.push_back(change(Kind::Network, "n" + std::to_string(n), Action::Create));
    plan.changes.back().after = {{"hosts", {"a"}}};
  }
  FakeDatacenter dc;
  dc.limits = limits;
  dc.provider.delay = std::chrono::milliseconds(20);
  dc.provider.groupOf = [](const ResourceId&, const Json& spec) { return spec["hosts"][0].get<std::string>(); };
  LiveState live;
  live.add({moved.id, "i", "", moved.before, Json::object()});
  ASSERT_TRUE(apply(plan, dc, live, {.parallelism = 4}).ok());
  EXPECT_EQ(dc.provider.maxConcurrentIn["a"], 1);
  EXPECT_EQ(dc.provider.maxConcurrentIn["b"], 1);
  EXPECT_LT(dc.provider.at("remove Instance/i"), dc.provider.at("create Instance/i"));
}

TEST(Apply, InterruptionLetsInFlightWorkFinishAndStartsNothingNew) {
  Plan plan;
  for (int i = 0; i < 6; ++i) plan.changes.push_back(change(Kind::Instance, "i" + std::to_string(i), Action::Create));
  FakeDatacenter dc;
  std::atomic<bool> stop{false};
  dc.provider.onCall = [&] { stop = true; };  // Ctrl-C arrives during the first call
  ApplyReport report = apply(plan, dc, liveFor(plan), {.parallelism = 1, .interrupted = &stop});
  EXPECT_TRUE(report.interrupted);
  EXPECT_EQ(report.count(Status::Done), 1u);
  EXPECT_EQ(report.count(Status::NotStarted), 5u);
  EXPECT_EQ(dc.provider.calls.size(), 1u);
}

}  // namespace vdc

namespace vdc {

namespace {

// A lease that is lost once `lostAfter` operations have begun.
class CountedLease : public Lease {
 public:
  explicit CountedLease(RecordingProvider& provider, size_t lostAfter) : provider_(provider), lostAfter_(lostAfter) {}
  FencingToken token() const override { return {"test", 7}; }
  void check() const override {
    ++checks;
    if (provider_.calls.size() >= lostAfter_) throw Error("the lock's lease (token test:7) was lost: test");
  }
  mutable std::atomic<int> checks = 0;

 private:
  RecordingProvider& provider_;
  size_t lostAfter_;
};

// Records the intent each provider is told.
class IntentProvider : public RecordingProvider {
 public:
  void prepare(const ApplyIntent& intent) override { told = intent; }
  ApplyIntent told;
};

}  // namespace

TEST(Apply, AWriterThatLostItsLeaseStopsBeforeItsNextOperation) {
  Plan plan;
  for (int i = 0; i < 6; ++i) plan.changes.push_back(change(Kind::Instance, "i" + std::to_string(i), Action::Create));
  FakeDatacenter dc;
  CountedLease lease(dc.provider, 2);
  ApplyReport report = apply(plan, dc, liveFor(plan), {.parallelism = 1, .lease = &lease});
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(dc.provider.calls.size(), 2u) << "operations went on after the lease was lost";
  EXPECT_EQ(report.count(Status::Done), 2u);
  EXPECT_EQ(report.count(Status::NotStarted), 4u);
  EXPECT_NE(report.leaseLost.find("was lost"), std::string::npos) << report.leaseLost;
  EXPECT_GE(lease.checks, 3);
}

TEST(Apply, ALeaseLostBeforeTheFirstOperationChangesNothing) {
  Plan plan;
  plan.changes = {change(Kind::Network, "n", Action::Create)};
  FakeDatacenter dc;
  CountedLease lease(dc.provider, 0);
  EXPECT_THROW(apply(plan, dc, liveFor(plan), {.lease = &lease}), Error);
  EXPECT_TRUE(dc.provider.calls.empty());
}

TEST(Apply, ProvidersAreToldTheVdcAndTheFencingToken) {
  Plan plan;
  plan.vdc = "shop";
  plan.changes = {change(Kind::Network, "n", Action::Delete)};
  IntentProvider provider;
  struct OneProvider : FakeDatacenter {
    Provider* only = nullptr;
    std::vector<Provider*> providers() override { return {only}; }
  } dc;
  dc.only = &provider;
  CountedLease lease(provider, 100);
  ASSERT_TRUE(apply(plan, dc, liveFor(plan), {.lease = &lease}).ok());
  EXPECT_EQ(provider.told.vdc, "shop");
  ASSERT_TRUE(provider.told.fence);
  EXPECT_EQ(provider.told.fence->str(), "test:7");
}

}  // namespace vdc
