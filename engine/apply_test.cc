// The parallel walk, against an in-memory datacenter that records calls.
#include "engine/apply.h"

#include <gtest/gtest.h>

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
  void create(const Ownership& o) override { act("create " + o.id.str(), o.id); }
  void update(const Ownership& o, const LiveObject&) override { act("update " + o.id.str(), o.id); }
  void remove(const std::string&, const LiveObject& l) override { act("remove " + l.id.str(), l.id); }

  std::vector<std::string> calls;
  std::set<ResourceId> failing;
  int maxConcurrent = 0;
  std::chrono::milliseconds delay{0};
  std::function<void()> onCall;

  size_t at(const std::string& call) const {
    return std::find(calls.begin(), calls.end(), call) - calls.begin();
  }

 private:
  void act(const std::string& call, const ResourceId& id) {
    {
      std::lock_guard lock(mutex_);
      maxConcurrent = std::max(maxConcurrent, ++running_);
    }
    if (onCall) onCall();
    std::this_thread::sleep_for(delay);
    std::lock_guard lock(mutex_);
    --running_;
    calls.push_back(call);
    if (failing.count(id)) throw Error("injected failure");
  }
  std::mutex mutex_;
  int running_ = 0;
};

class FakeDatacenter : public Datacenter {
 public:
  std::string describe() const override { return "fake"; }
  std::string lockPath(const std::string&) const override { return "/dev/null"; }
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

TEST(Apply, RunsIndependentWorkInParallelUpToTheLimit) {
  Plan plan;
  for (int i = 0; i < 12; ++i) plan.changes.push_back(change(Kind::Instance, "i" + std::to_string(i), Action::Create));
  FakeDatacenter dc;
  dc.provider.delay = std::chrono::milliseconds(20);
  ASSERT_TRUE(apply(plan, dc, liveFor(plan), {.parallelism = 4}).ok());
  EXPECT_EQ(dc.provider.maxConcurrent, 4);
  FakeDatacenter serial;
  ASSERT_TRUE(apply(plan, serial, liveFor(plan), {.parallelism = 1}).ok());
  EXPECT_EQ(serial.provider.maxConcurrent, 1);
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
