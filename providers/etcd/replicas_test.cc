// Rendezvous hashing: every replica computes the same owner of a VDC from
// the same list, VDCs spread over the replicas, and a replica leaving moves
// only its own VDCs. (Replicas in a live etcd: tests/etcd_cluster_test.py.)
#include "providers/etcd/replicas.h"

#include <gtest/gtest.h>

#include <map>

namespace vdc::etcd {
namespace {

std::vector<std::string> vdcs(int count) {
  std::vector<std::string> names;
  for (int i = 0; i < count; ++i) names.push_back("vdc-" + std::to_string(i));
  return names;
}

TEST(Rendezvous, TheOwnerDoesNotDependOnTheOrderOfTheList) {
  for (const auto& vdc : vdcs(50))
    EXPECT_EQ(rendezvousOwner(vdc, {"r1", "r2", "r3"}), rendezvousOwner(vdc, {"r3", "r1", "r2"})) << vdc;
  EXPECT_EQ(rendezvousOwner("shop", {}), "");
}

TEST(Rendezvous, VdcsAreSharedOutAmongTheReplicas) {
  std::map<std::string, int> owned;
  for (const auto& vdc : vdcs(300)) ++owned[rendezvousOwner(vdc, {"r1", "r2", "r3"})];
  ASSERT_EQ(owned.size(), 3u);
  for (const auto& [replica, count] : owned) EXPECT_GT(count, 60) << replica << " owns too few of 300";
}

TEST(Rendezvous, AReplicaLeavingMovesOnlyItsOwnVdcs) {
  for (const auto& vdc : vdcs(300)) {
    std::string before = rendezvousOwner(vdc, {"r1", "r2", "r3"});
    std::string after = rendezvousOwner(vdc, {"r1", "r3"});
    if (before != "r2") {
      EXPECT_EQ(after, before) << vdc << " moved though its replica stayed";
    }
  }
}

}  // namespace
}  // namespace vdc::etcd
