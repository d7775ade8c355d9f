// The operations a server would call, in process, on an embedded datacenter
// in a fresh working directory: each kind of failure as a value, a saved
// plan refused once the target moved, apply and show.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "engine/test_support.h"
#include "operations/applying.h"
#include "operations/planning.h"
#include "operations/session.h"
#include "operations/show.h"
#include "tests/site_vdc.h"

namespace vdc::operations {
namespace {

namespace fs = std::filesystem;

using testing::kSite;

class Operations : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = fs::current_path();
    fs::current_path(dir.path());  // the embedded datacenter is .vdc/sim.xml here
    dir.write("site/vdc.yaml", kSite);
  }
  void TearDown() override { fs::current_path(previous_); }

  // Applies what `prepare` plans for the site.
  ApplyReport applySite() {
    Prepared prepared = prepare({"site", std::nullopt, false, "test"});
    return execute(prepared.plan, *prepared.datacenter, prepared.live, ApplyOptions{});
  }

  testing::TempDir dir;
  fs::path previous_;
};

TEST_F(Operations, AVdcThatDoesNotValidateIsInvalidWithEveryProblem) {
  dir.write("bad/vdc.yaml", "apiVersion: vdc/v1\nkind: Nonsense\nmetadata: {name: x}\n---\nkind: Network\n");
  try {
    prepare({"bad", std::nullopt, false, ""});
    FAIL() << "a VDC that does not validate was planned";
  } catch (const Failure& e) {
    EXPECT_EQ(e.kind(), FailureKind::Invalid);
    EXPECT_FALSE(retryable(e.kind()));
    EXPECT_GE(e.problems().size(), 2u);
    EXPECT_NE(e.problems().str().find("bad/vdc.yaml:2:7: unknown kind 'Nonsense'"), std::string::npos) << e.problems().str();
  }
}

TEST_F(Operations, AWriterFindsTheVdcLockedAndMayRetry) {
  DatacenterPtr datacenter = openTarget(std::nullopt);
  LeasePtr held = lockVdc(*datacenter, "site", "vdc watch elsewhere");
  EXPECT_NO_THROW(prepare({"site", std::nullopt, false, ""}));  // a reader takes no lock
  try {
    prepare({"site", std::nullopt, false, "vdc apply"});
    FAIL() << "two writers held the lock";
  } catch (const Failure& e) {
    EXPECT_EQ(e.kind(), FailureKind::Locked);
    EXPECT_TRUE(retryable(e.kind()));
    EXPECT_NE(std::string(e.what()).find("vdc watch elsewhere"), std::string::npos) << e.what();
  }
}

TEST_F(Operations, ASavedPlanIsAppliedOnlyWhileTheTargetIsAsItWas) {
  {
    Prepared planned = prepare({"site", std::nullopt, false, ""});
    EXPECT_EQ(planned.plan.summary().create, 3u);
    planned.plan.save("site.plan");
  }
  {
    Prepared fresh = prepareSaved("site.plan", std::nullopt, "vdc apply site.plan");
    EXPECT_EQ(fresh.plan.changes.size(), 3u);
    EXPECT_TRUE(fresh.lease);
  }  // its lock is let go

  ASSERT_TRUE(applySite().ok());  // the target moves on
  try {
    prepareSaved("site.plan", std::nullopt, "vdc apply site.plan");
    FAIL() << "a stale plan was readied";
  } catch (const Failure& e) {
    EXPECT_EQ(e.kind(), FailureKind::Stale);
    EXPECT_NE(std::string(e.what()).find("is stale"), std::string::npos) << e.what();
  }
}

TEST_F(Operations, ShowComparesWhatTheTargetHoldsWithTheManifests) {
  ASSERT_TRUE(applySite().ok());
  Vdc vdc = load("site");
  Shown shown = show(vdc, *openTarget(std::nullopt));
  ASSERT_EQ(shown.resources.size(), 3u);
  for (const auto& r : shown.resources) EXPECT_EQ(r.status, "in sync") << r.id.str();
  EXPECT_EQ(shown.toJson()["resources"][2]["address"], "Instance/web");  // in address order

  std::string bigger = kSite;
  bigger.replace(bigger.find("cpus: 1"), 7, "cpus: 2");
  dir.write("site/vdc.yaml", bigger);
  vdc = load("site");
  shown = show(vdc, *openTarget(std::nullopt));
  for (const auto& r : shown.resources)
    EXPECT_EQ(r.status, r.id.kind == Kind::Instance ? "changed" : "in sync") << r.id.str();
  // Nothing more to plan once applied: the same plan is empty.
  ASSERT_TRUE(applySite().ok());
  EXPECT_TRUE(prepare({"site", std::nullopt, false, ""}).plan.empty());
}

// Every apply goes through execute, so a plan made anywhere (saved, planned
// by the server) is held to protection and, applied atomically, to what an
// undo can give back; refused, it changes nothing.
TEST_F(Operations, ExecuteRefusesAProtectedDeleteAndAnAtomicApplyItCouldNotUndo) {
  std::string guarded = kSite;
  guarded.replace(guarded.find("  cpus: 1"), 9, "  cpus: 1\n  image: base");
  guarded += "---\napiVersion: vdc/v1\nkind: Image\nmetadata: {name: base}\nspec: {source: base.qcow2}\n";
  dir.write("site/vdc.yaml", guarded + "---\napiVersion: vdc/v1\nkind: Volume\nmetadata: {name: data}\n"
                                       "spec: {size: 1GiB, protect: true}\n");
  ASSERT_TRUE(applySite().ok());
  dir.write("site/vdc.yaml", guarded);  // the volume goes

  Prepared prepared = prepare({"site", std::nullopt, false, "test"});
  ASSERT_EQ(prepared.plan.summary().remove, 1u);
  auto refusal = [&](const ApplyOptions& options) -> std::string {
    try {
      execute(prepared.plan, *prepared.datacenter, prepared.live, options);
    } catch (const Failure& e) {
      EXPECT_EQ(e.kind(), FailureKind::Refused);
      return e.what();
    }
    return "";
  };
  EXPECT_NE(refusal({}).find("the plan deletes Volume/data, which is protected"), std::string::npos);
  prepared.plan.allowDestroy = {{Kind::Volume, "data"}};
  ApplyOptions atomic;
  atomic.atomic = true;
  EXPECT_NE(refusal(atomic).find("Volume/data, which cannot be undone (the volume's data is lost)"), std::string::npos);
  EXPECT_EQ(prepare({"site", std::nullopt, false, ""}).plan.summary().remove, 1u) << "nothing was changed";
  atomic.allowIrreversible = true;
  EXPECT_TRUE(execute(prepared.plan, *prepared.datacenter, prepared.live, atomic).ok());
}

}  // namespace
}  // namespace vdc::operations
