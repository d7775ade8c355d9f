// A Target's coordination: the lease and the etcd cluster, read with every
// problem at its place, and the lock service the datacenter is opened with.
#include <gtest/gtest.h>

#include "engine/lock.h"
#include "engine/test_support.h"
#include "providers/etcd/locks.h"
#include "providers/targets/target.h"

namespace vdc {
namespace {

using testing::errorOf;
using testing::TempDir;

TEST(TargetCoordination, TheExampleOfATeamReadsWithItsEtcdCluster) {
  TargetSpec target = readTarget(std::string(VDC_SOURCE_DIR) + "/examples/targets/team.yaml");
  EXPECT_EQ(target.lockLease, std::chrono::seconds(15));
  ASSERT_TRUE(target.etcd);
  EXPECT_EQ(target.etcd->endpoints,
            (std::vector<std::string>{"https://etcd1:2379", "https://etcd2:2379", "https://etcd3:2379"}));
  EXPECT_EQ(target.etcd->prefix, "/vdc/team/");
  EXPECT_EQ(target.etcd->ca, std::string(VDC_SOURCE_DIR) + "/examples/targets/etcd/ca.pem");
  EXPECT_EQ(target.etcd->key, std::string(VDC_SOURCE_DIR) + "/examples/targets/etcd/vdc-key.pem");
}

TEST(TargetCoordination, LocksAreInEtcdWhenTheTargetSaysSoAndBesideTheFileOtherwise) {
  TempDir dir;
  dir.write("etcd.yaml", "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: t}\nspec:\n  embedded: {path: sim.xml}\n"
                         "  coordination: {etcd: {endpoints: [http://127.0.0.1:2379]}}\n");
  dir.write("plain.yaml", "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: t}\nspec:\n  embedded: {path: sim.xml}\n");
  DatacenterPtr withEtcd = openTarget(dir.str() + "/etcd.yaml");
  EXPECT_NE(dynamic_cast<etcd::EtcdLocks*>(withEtcd->locks.get()), nullptr);
  EXPECT_EQ(readTarget(dir.str() + "/etcd.yaml").lockLease, std::chrono::seconds(30)) << "the default lease";
  DatacenterPtr plain = openTarget(dir.str() + "/plain.yaml");
  EXPECT_EQ(plain->locks, nullptr);
  EXPECT_NE(dynamic_cast<FileLocks*>(plain->ownLocks().get()), nullptr);
}

TEST(TargetCoordination, EveryProblemIsReportedAtItsPlace) {
  TempDir dir;
  dir.write("bad.yaml", R"(apiVersion: vdc/v1
kind: Target
metadata: {name: t}
spec:
  embedded: {path: sim.xml}
  coordination:
    lease: 1s
    leader: me
    etcd:
      endpoints: [etcd1:2379]
      tls: {cert: vdc.pem}
)");
  std::string error = errorOf([&] { readTarget(dir.str() + "/bad.yaml"); });
  EXPECT_NE(error.find("bad.yaml:7:12: coordination.lease is a duration from 2s to 1h"), std::string::npos) << error;
  EXPECT_NE(error.find("bad.yaml:8:5: unknown field 'leader' in Target coordination (did you mean 'lease'?)"), std::string::npos) << error;
  EXPECT_NE(error.find("bad.yaml:10:19: an etcd endpoint is an http:// or https:// URL, not 'etcd1:2379'"),
            std::string::npos) << error;
  EXPECT_NE(error.find("bad.yaml:11:12: coordination.etcd.tls takes a client cert and its key together"),
            std::string::npos) << error;
}

TEST(TargetCoordination, AnUnreachableEtcdAppliesNothingAndSaysSo) {
  TempDir dir;
  // A port nothing listens on: the lock cannot be taken.
  dir.write("etcd.yaml", "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: t}\nspec:\n  embedded: {path: sim.xml}\n"
                         "  coordination: {etcd: {endpoints: [http://127.0.0.1:9]}}\n");
  DatacenterPtr datacenter = openTarget(dir.str() + "/etcd.yaml");
  std::string holder;
  std::string error = errorOf([&] { datacenter->locks->tryAcquire("shop", "vdc apply", holder); });
  EXPECT_NE(error.find("cannot take the lock of VDC shop, so nothing is applied: no member of etcd at "
                       "http://127.0.0.1:9 could serve lease/grant"),
            std::string::npos) << error;
  EXPECT_NE(error.find("http://127.0.0.1:9: cannot connect"), std::string::npos) << error;
}

}  // namespace
}  // namespace vdc
