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

namespace vdc::operations {
namespace {

namespace fs = std::filesystem;

const char* kShop = R"(apiVersion: vdc/v1
kind: VirtualDataCenter
metadata: {name: shop}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: front}
spec: {cidr: 10.1.0.0/24}
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: web}
spec:
  interfaces: [{network: front}]
)";

class Operations : public ::testing::Test {
 protected:
  void SetUp() override {
    previous_ = fs::current_path();
    fs::current_path(dir.path());  // the embedded datacenter is .vdc/sim.xml here
    dir.write("shop/vdc.yaml", kShop);
  }
  void TearDown() override { fs::current_path(previous_); }

  // Applies what `prepare` plans for the shop.
  ApplyReport applyShop() {
    Prepared prepared = prepare({"shop", std::nullopt, false, "test"});
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
  ApplyLock held = lockVdc(*datacenter, "shop", "vdc watch elsewhere");
  EXPECT_NO_THROW(prepare({"shop", std::nullopt, false, ""}));  // a reader takes no lock
  try {
    prepare({"shop", std::nullopt, false, "vdc apply"});
    FAIL() << "two writers held the lock";
  } catch (const Failure& e) {
    EXPECT_EQ(e.kind(), FailureKind::Locked);
    EXPECT_TRUE(retryable(e.kind()));
    EXPECT_NE(std::string(e.what()).find("vdc watch elsewhere"), std::string::npos) << e.what();
  }
}

TEST_F(Operations, ASavedPlanIsAppliedOnlyWhileTheTargetIsAsItWas) {
  {
    Prepared planned = prepare({"shop", std::nullopt, false, ""});
    EXPECT_EQ(planned.plan.summary().create, 3u);
    planned.plan.save("shop.plan");
  }
  {
    Prepared fresh = prepareSaved("shop.plan", std::nullopt, "vdc apply shop.plan");
    EXPECT_EQ(fresh.plan.changes.size(), 3u);
    EXPECT_TRUE(fresh.lock.has_value());
  }  // its lock is let go

  ASSERT_TRUE(applyShop().ok());  // the target moves on
  try {
    prepareSaved("shop.plan", std::nullopt, "vdc apply shop.plan");
    FAIL() << "a stale plan was readied";
  } catch (const Failure& e) {
    EXPECT_EQ(e.kind(), FailureKind::Stale);
    EXPECT_NE(std::string(e.what()).find("is stale"), std::string::npos) << e.what();
  }
}

TEST_F(Operations, ShowComparesWhatTheTargetHoldsWithTheManifests) {
  ASSERT_TRUE(applyShop().ok());
  Vdc vdc = load("shop");
  Shown shown = show(vdc, *openTarget(std::nullopt));
  ASSERT_EQ(shown.resources.size(), 3u);
  for (const auto& r : shown.resources) EXPECT_EQ(r.status, "in sync") << r.id.str();
  EXPECT_EQ(shown.toJson()["resources"][2]["address"], "Instance/web");  // in address order

  dir.write("shop/vdc.yaml", std::string(kShop) + "  cpus: 2\n");
  vdc = load("shop");
  shown = show(vdc, *openTarget(std::nullopt));
  for (const auto& r : shown.resources)
    EXPECT_EQ(r.status, r.id.kind == Kind::Instance ? "changed" : "in sync") << r.id.str();
  // Nothing more to plan once applied: the same plan is empty.
  ASSERT_TRUE(applyShop().ok());
  EXPECT_TRUE(prepare({"shop", std::nullopt, false, ""}).plan.empty());
}

}  // namespace
}  // namespace vdc::operations
