// The watch controller in process, on an embedded datacenter, with a
// revision source the test writes: new revisions, a bad one after a good
// one, drift reported and healed, pruning, a source out of reach and the
// back-off after it, suspension, and a VDC locked by another writer.
#include "operations/watch_controller.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "engine/test_support.h"
#include "gitops/repository.h"
#include "operations/planning.h"
#include "operations/session.h"
#include "operations/watch_setup.h"
#include "providers/targets/faults.h"
#include "providers/targets/target.h"
#include "tests/site_vdc.h"

namespace vdc::operations {

namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// Revisions held in memory: each a set of files by their path in the repository.
class FakeSource : public gitops::RevisionSource {
 public:
  using Tree = std::map<std::string, std::string>;

  // Makes a revision of `tree` the head of main and returns its id.
  std::string commit(const Tree& tree) {
    std::string id = std::string(39, '0') + static_cast<char>('a' + revisions_.size());
    revisions_[id] = tree;
    heads_["main"] = id;
    return id;
  }
  void setReachable(bool reachable) { reachable_ = reachable; }

  void fetch() override {
    ++fetches;
    if (!reachable_) throw Error("cannot reach the remote");
  }
  std::string head(const std::string& branch) const override { return heads_.at(branch); }
  std::vector<std::string> writeTree(const std::string& revision, const std::string& path, const std::string& into,
                                     const std::string&) override {
    ++treesWritten;
    EXPECT_EQ(path, ".");
    for (const auto& [file, text] : revisions_.at(revision)) {
      if (file.find("..") != std::string::npos) throw gitops::UnsafeTree("commit " + revision + ": unsafe name " + file);
    }
    for (const auto& [file, text] : revisions_.at(revision)) testing::writeFile(fs::path(into) / file, text);
    return {};
  }

  int fetches = 0, treesWritten = 0;

 private:
  std::map<std::string, Tree> revisions_;
  std::map<std::string, std::string> heads_;
  bool reachable_ = true;
};

using testing::kSite;
const char* kBack = testing::kBackNetwork;

class Controller : public ::testing::Test {
 protected:
  void SetUp() override {
    options.repository = "test";
    options.rules.path = "vdc";
    options.cache = (dir.path() / "cache").string();
    options.statusFile = (dir.path() / "status.json").string();
    options.interval = std::chrono::seconds(60);
    fs::create_directories(options.cache);
  }

  DatacenterPtr openDatacenter() const {
    TargetSpec target;
    target.embeddedPath = (dir.path() / "sim.xml").string();
    return vdc::openDatacenter(target);
  }
  WatchController make() {
    return WatchController(
        options, source, [this](const std::optional<std::string>&) { return openDatacenter(); },
        [this](const Json& event) { events.push_back(event["event"].get<std::string>()); });
  }
  LiveState live() { return readLive(*openDatacenter(), "site"); }
  bool holds(const std::string& kind, const std::string& name) {
    return live().find({*parseKind(kind), name}) != nullptr;
  }
  static bool condition(const WatchController& c, const std::string& type) {
    const gitops::Condition* found = c.status().condition(type);
    return found && found->status;
  }

  TempDir dir;
  WatchOptions options;
  FakeSource source;
  std::vector<std::string> events;
};

TEST_F(Controller, AppliesEachNewRevisionAndRecordsItOnTheTarget) {
  std::string first = source.commit({{"vdc/site.yaml", kSite}});
  WatchController controller = make();
  ASSERT_TRUE(controller.step());
  EXPECT_TRUE(holds("Instance", "web"));
  EXPECT_EQ(controller.status().appliedRevision, first);
  EXPECT_EQ(recordedRevision(live(), "site"), first);
  EXPECT_TRUE(condition(controller, "Ready"));
  EXPECT_EQ(events, std::vector<std::string>{"applied"});
  EXPECT_EQ(Json::parse(testing::readFile(options.statusFile))["appliedRevision"], first);

  std::string second = source.commit({{"vdc/site.yaml", std::string(kSite) + kBack}});
  ASSERT_TRUE(controller.step());
  EXPECT_TRUE(holds("Network", "back"));
  EXPECT_EQ(recordedRevision(live(), "site"), second);
  // Nothing new: nothing applied, nothing notified.
  ASSERT_TRUE(controller.step());
  EXPECT_EQ(events, (std::vector<std::string>{"applied", "applied"}));
}

TEST_F(Controller, KeepsTheLastGoodRevisionInForceWhenTheHeadDoesNotValidate) {
  std::string good = source.commit({{"vdc/site.yaml", kSite}});
  WatchController controller = make();
  ASSERT_TRUE(controller.step());
  std::string bad = source.commit({{"vdc/site.yaml", std::string(kSite) + "---\nkind: Nonsense\n"}});
  EXPECT_FALSE(controller.step());
  EXPECT_TRUE(condition(controller, "Stalled"));
  EXPECT_EQ(controller.status().lastError["stage"], "validate");
  EXPECT_EQ(controller.status().lastError["revision"], bad);
  EXPECT_EQ(recordedRevision(live(), "site"), good);
  // The revision in force reconciled fine: no back-off for a head that is not tried again.
  EXPECT_EQ(controller.nextDelay(), options.interval);
  // A bad head is not written out again; the good one stays watched.
  int written = source.treesWritten;
  controller.step();
  EXPECT_EQ(source.treesWritten, written);
  EXPECT_EQ(recordedRevision(live(), "site"), good);
}

TEST_F(Controller, RefusesAnUnsafeTreeAsInvalid) {
  source.commit({{"vdc/site.yaml", kSite}, {"vdc/../escape", "x"}});
  WatchController controller = make();
  EXPECT_FALSE(controller.step());
  EXPECT_EQ(controller.status().lastError["stage"], "validate");
  EXPECT_FALSE(holds("Instance", "web"));
  EXPECT_FALSE(fs::exists(dir.path() / "escape"));
}

TEST_F(Controller, ReportsDriftAndHealsItOnlyWhenAskedTo) {
  source.commit({{"vdc/site.yaml", kSite}});
  WatchController controller = make();
  ASSERT_TRUE(controller.step());
  auto removeByHand = [&] {
    DatacenterPtr datacenter = openDatacenter();
    LiveState state = readLive(*datacenter, "site");
    datacenter->providerFor(Kind::Instance).remove("site", *state.find({Kind::Instance, "web"}));
    datacenter->commit();
  };
  removeByHand();
  ASSERT_TRUE(controller.step());
  EXPECT_TRUE(condition(controller, "Drifted"));
  EXPECT_EQ(controller.status().drift, Json::array({"create Instance/web"}));
  EXPECT_FALSE(holds("Instance", "web"));
  EXPECT_EQ(events.back(), "drift");

  options.heal = true;
  WatchController healing = make();
  ASSERT_TRUE(healing.step());
  EXPECT_TRUE(holds("Instance", "web"));
  EXPECT_FALSE(condition(healing, "Drifted"));
  EXPECT_EQ(events.back(), "healed");
}

TEST_F(Controller, KeepsWhatTheRepositoryDroppedWithoutPrune) {
  source.commit({{"vdc/site.yaml", std::string(kSite) + kBack}});
  options.prune = false;
  WatchController controller = make();
  ASSERT_TRUE(controller.step());
  std::string second = source.commit({{"vdc/site.yaml", kSite}});
  ASSERT_TRUE(controller.step());
  EXPECT_TRUE(holds("Network", "back"));
  EXPECT_EQ(controller.status().notPruned, Json::array({"Network/back"}));
  EXPECT_EQ(recordedRevision(live(), "site"), second);
}

TEST_F(Controller, BacksOffWhileTheSourceIsOutOfReach) {
  source.commit({{"vdc/site.yaml", kSite}});
  source.setReachable(false);
  WatchController controller = make();
  EXPECT_FALSE(controller.step());
  EXPECT_EQ(controller.nextDelay(), std::chrono::seconds(5));
  EXPECT_FALSE(controller.step());
  EXPECT_EQ(controller.nextDelay(), std::chrono::seconds(10));
  EXPECT_FALSE(condition(controller, "Fetched"));
  EXPECT_EQ(events, (std::vector<std::string>{"failed", "failed"}));
  source.setReachable(true);
  ASSERT_TRUE(controller.step());
  EXPECT_EQ(controller.nextDelay(), std::chrono::seconds(60));
  EXPECT_TRUE(holds("Instance", "web"));
}

TEST_F(Controller, FetchesNothingWhileSuspended) {
  source.commit({{"vdc/site.yaml", kSite}});
  WatchController controller = make();
  EXPECT_TRUE(controller.step(true));
  EXPECT_EQ(source.fetches, 0);
  EXPECT_TRUE(condition(controller, "Suspended"));
  testing::writeFile(fs::path(options.cache) / "suspend", "");
  EXPECT_TRUE(controller.step(false));  // the file suspends as well
  EXPECT_EQ(source.fetches, 0);
  fs::remove(fs::path(options.cache) / "suspend");
  ASSERT_TRUE(controller.step(false));
  EXPECT_EQ(source.fetches, 1);
  EXPECT_EQ(events, (std::vector<std::string>{"suspended", "resumed", "applied"}));
}

TEST_F(Controller, RetriesAVdcLockedByAnotherWriter) {
  source.commit({{"vdc/site.yaml", kSite}});
  WatchController controller = make();
  {
    DatacenterPtr datacenter = openDatacenter();
    LeasePtr held = lockVdc(*datacenter, "site", "another apply");
    EXPECT_FALSE(controller.step());
    EXPECT_EQ(controller.status().lastError["stage"], "lock");
    EXPECT_NE(controller.status().lastError["message"].get<std::string>().find("another apply"), std::string::npos);
    EXPECT_FALSE(holds("Instance", "web"));
    EXPECT_EQ(controller.status().lastError["retryable"], true);
    EXPECT_EQ(controller.nextDelay(), std::chrono::seconds(5));
    EXPECT_FALSE(condition(controller, "Stalled"));
  }
  ASSERT_TRUE(controller.step());
  EXPECT_TRUE(holds("Instance", "web"));
}

// The first provider call of the next datacenter opened fails as `mode` says; `opened` counts the opens.
class FaultyController : public Controller {
 protected:
  WatchController make() {
    return WatchController(
        options, source,
        [this](const std::optional<std::string>&) {
          ++opened;
          FaultPlan plan;
          if (nextFault != FaultPlan::Mode::None) plan.faults[1] = std::exchange(nextFault, FaultPlan::Mode::None);
          return withFaults(openDatacenter(), plan);
        },
        [this](const Json& event) { events.push_back(event["event"].get<std::string>()); });
  }
  FaultPlan::Mode nextFault = FaultPlan::Mode::None;
  int opened = 0;
};

TEST_F(FaultyController, AnOperationThatFailedTransientlyIsRetriedSoonerAndThenConverges) {
  source.commit({{"vdc/site.yaml", kSite}});
  WatchController controller = make();
  nextFault = FaultPlan::Mode::Flake;
  EXPECT_FALSE(controller.step());
  EXPECT_EQ(controller.status().lastError["stage"], "apply");
  EXPECT_EQ(controller.status().lastError["retryable"], true);
  EXPECT_EQ(controller.nextDelay(), std::chrono::seconds(5));
  EXPECT_FALSE(condition(controller, "Stalled"));
  ASSERT_TRUE(controller.step());
  EXPECT_TRUE(holds("Instance", "web"));
  EXPECT_EQ(controller.nextDelay(), options.interval);
}

TEST_F(FaultyController, AnOperationThatFailedForGoodStallsItsRevisionUntilASyncOrANewCommit) {
  std::string first = source.commit({{"vdc/site.yaml", kSite}});
  WatchController controller = make();
  nextFault = FaultPlan::Mode::Fail;
  EXPECT_FALSE(controller.step());
  EXPECT_EQ(controller.status().lastError["retryable"], false);
  EXPECT_EQ(controller.nextDelay(), options.interval) << "no back-off for what would fail again";
  const gitops::Condition* stalled = controller.status().condition("Stalled");
  ASSERT_TRUE(stalled && stalled->status);
  EXPECT_EQ(stalled->reason, "ApplyFailed");
  EXPECT_NE(stalled->message.find(first), std::string::npos) << stalled->message;

  // Stalled: fetched at each interval, but neither planned nor applied again.
  int opens = opened, fetches = source.fetches;
  EXPECT_TRUE(controller.step());
  EXPECT_EQ(opened, opens);
  EXPECT_EQ(source.fetches, fetches + 1);
  EXPECT_TRUE(condition(controller, "Stalled"));

  // A sync request tries it again.
  controller.retryStalled();
  ASSERT_TRUE(controller.step());
  EXPECT_TRUE(holds("Instance", "web"));
  EXPECT_FALSE(condition(controller, "Stalled"));

  // So does a new commit.
  nextFault = FaultPlan::Mode::Fail;
  source.commit({{"vdc/site.yaml", std::string(kSite) + kBack}});
  EXPECT_FALSE(controller.step());
  EXPECT_TRUE(condition(controller, "Stalled"));
  std::string third = source.commit({{"vdc/site.yaml", std::string(kSite) + kBack + "# a fix\n"}});
  ASSERT_TRUE(controller.step());
  EXPECT_TRUE(holds("Network", "back"));
  EXPECT_EQ(recordedRevision(live(), "site"), third);
  EXPECT_FALSE(condition(controller, "Stalled"));
}

TEST_F(FaultyController, AnAtomicApplyRolledBackStallsItsRevisionAndKeepsTheLastGoodOneWatched) {
  std::string good = source.commit({{"vdc/site.yaml", kSite}});
  options.apply.atomic = true;
  WatchController controller = make();
  ASSERT_TRUE(controller.step());
  source.commit({{"vdc/site.yaml", std::string(kSite) + kBack}});
  nextFault = FaultPlan::Mode::Fail;
  EXPECT_FALSE(controller.step());
  const gitops::Condition* stalled = controller.status().condition("Stalled");
  ASSERT_TRUE(stalled && stalled->status);
  EXPECT_NE(stalled->message.find(good + " stays in force"), std::string::npos) << stalled->message;
  // Undone whole: the revision in force is reconciled again, not left alone.
  int opens = opened;
  ASSERT_TRUE(controller.step());
  EXPECT_EQ(opened, opens + 1);
  EXPECT_FALSE(holds("Network", "back"));
  EXPECT_EQ(recordedRevision(live(), "site"), good);
}

TEST_F(Controller, ARefusedPlanStallsTheHeadAndKeepsTheLastGoodRevisionWatched) {
  std::string protectedBack = "---\napiVersion: vdc/v1\nkind: Network\nmetadata: {name: back}\nspec: {cidr: 10.2.0.0/24, protect: true}\n";
  std::string good = source.commit({{"vdc/site.yaml", std::string(kSite) + protectedBack}});
  WatchController controller = make();
  ASSERT_TRUE(controller.step());
  std::string dropped = source.commit({{"vdc/site.yaml", kSite}});
  EXPECT_FALSE(controller.step());
  EXPECT_EQ(controller.status().lastError["stage"], "plan");
  EXPECT_EQ(controller.status().lastError["retryable"], false);
  const gitops::Condition* stalled = controller.status().condition("Stalled");
  ASSERT_TRUE(stalled && stalled->status);
  EXPECT_EQ(stalled->reason, "PlanFailed");
  EXPECT_NE(stalled->message.find(good + " stays in force"), std::string::npos) << stalled->message;
  EXPECT_TRUE(holds("Network", "back"));
  // The revision in force is still watched: drift from it is reported.
  {
    DatacenterPtr datacenter = openDatacenter();
    LiveState state = readLive(*datacenter, "site");
    datacenter->providerFor(Kind::Instance).remove("site", *state.find({Kind::Instance, "web"}));
    datacenter->commit();
  }
  ASSERT_TRUE(controller.step());
  EXPECT_EQ(controller.status().drift, Json::array({"create Instance/web"}));
  EXPECT_EQ(recordedRevision(live(), "site"), good);
  EXPECT_NE(dropped, good);
}

TEST_F(Controller, RunWakesForSuspensionAndStopsWhenAsked) {
  source.commit({{"vdc/site.yaml", kSite}});
  WatchControl control;
  // Requests arrive as a signal handler would send them, here from the notifier.
  WatchController controller(
      options, source, [this](const std::optional<std::string>&) { return openDatacenter(); },
      [&](const Json& event) {
        events.push_back(event["event"].get<std::string>());
        if (event["event"] == "applied") control.suspension = 1;
        if (event["event"] == "suspended") control.stop = true;
      });
  auto start = std::chrono::steady_clock::now();
  controller.run(control);  // an interval of 60 s: it returns this soon only when woken
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(events, (std::vector<std::string>{"applied", "suspended"}));
  EXPECT_EQ(source.fetches, 1);
}

TEST(WatchOptionsTest, RefusesPlacesOutsideTheRepository) {
  WatchOptions options;
  options.repository = "r";
  completeWatchOptions(options);
  EXPECT_EQ(fs::path(options.cache).parent_path(), fs::path(".vdc/watch"));
  EXPECT_EQ(options.statusFile, options.cache + "/status.json");
  EXPECT_TRUE(watchOptionProblems(options).empty());
  options.rules.path = "../elsewhere";
  options.rules.targetPath = "/etc/target.yaml";
  EXPECT_EQ(watchOptionProblems(options).size(), 2u);
}

}  // namespace

}  // namespace vdc::operations
