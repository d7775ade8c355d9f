// Two writers of one VDC from two working directories, meeting on one
// embedded datacenter through a Target that names it: its lock is a file
// beside the datacenter's own, so both see it (docs/robustness.md). The
// same on a libvirt host is in tests/e2e/lock_test.cc; with etcd, in
// tests/etcd_cluster_test.py.
#include <gtest/gtest.h>

#include "tests/cli_support.h"

namespace vdc::testing {

namespace {

class Lock : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* from : {"a", "b"}) {
      std::filesystem::create_directories(dir.path() / from);
      copyExample("webshop", dir.path() / from / "shop");
    }
    writeFile(dir.path() / "target.yaml",
              "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: shared}\nspec:\n  embedded: {path: shared/sim.xml}\n");
  }

  // Starts an apply in a/ held at its call `at` (it holds the lock from
  // before its first call) and runs `then` in a/; $holder is its pid.
  Result whileAppliesHold(const std::string& then, int at = 1) {
    return shell(dir.path() / "a", startHeld("VDC_FAULT=hold:" + std::to_string(at) + " " + std::string(VDC_BINARY) +
                                                 " apply shop --target ../target.yaml --auto-approve >first.out 2>&1",
                                             "first.out") +
                                       then);
  }

  Result run(const std::string& from, const std::string& command) {
    return vdc(dir.path() / from, command + " shop --target ../target.yaml");
  }

  TempDir dir;
};

}  // namespace

TEST_F(Lock, OfTwoAppliersInTwoDirectoriesOnOneTargetExactlyOneRuns) {
  Result second = whileAppliesHold("cd ../b && " + std::string(VDC_BINARY) +
                                   " apply shop --target ../target.yaml --auto-approve; code=$?; kill -CONT $holder; wait $holder; exit $code");
  EXPECT_EQ(second.exit, 1);
  EXPECT_NE(second.err.find("is locked by vdc apply (pid"), std::string::npos) << second.err;
  EXPECT_NE(readFile(dir.path() / "a" / "first.out").find("Apply complete: 18 created"), std::string::npos);
  Result plan = run("b", "plan --detailed-exitcode");
  EXPECT_EQ(plan.exit, 0) << plan.out << plan.err;
}

TEST_F(Lock, AKilledHolderLeavesNoLockAndTheNextApplyConvergesWithTheNextToken) {
  // Killed half-way, held at its third call.
  Result killed = whileAppliesHold("kill -9 $holder; wait $holder; echo $?", 3);
  ASSERT_EQ(killed.exit, 0) << killed.err;
  EXPECT_EQ(killed.out, "137\n");
  EXPECT_EQ(readFile(dir.path() / "a" / "first.out").find("Apply complete"), std::string::npos) << "it was not killed";
  std::string killedHolder = readFile(dir.path() / "shared" / "webshop.lock");
  ASSERT_TRUE(killedHolder.starts_with("token ")) << killedHolder;
  uint64_t killedToken = std::stoull(killedHolder.substr(6));
  Result next = run("b", "apply --auto-approve");
  EXPECT_EQ(next.exit, 0) << next.err;
  EXPECT_NE(next.out.find("Apply complete"), std::string::npos) << next.out;
  std::string after = readFile(dir.path() / "shared" / "webshop.lock");
  EXPECT_GT(std::stoull(after.substr(6)), killedToken) << after;
  EXPECT_EQ(after.find("pid"), std::string::npos) << "the holder's name stayed: " << after;
  // The VDC's record carries the token of the apply that converged.
  EXPECT_NE(readFile(dir.path() / "shared" / "sim.xml").find("fence=\"" + after.substr(6, after.size() - 7) + "\""),
            std::string::npos);
  Result plan = run("a", "plan --detailed-exitcode");
  EXPECT_EQ(plan.exit, 0) << plan.out << plan.err;
}

}  // namespace vdc::testing
