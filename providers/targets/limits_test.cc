// A Target's maxParallel: read from its hosts and storage classes into the
// datacenter the apply is given (engine/apply_test.cc holds the walk to it).
#include <gtest/gtest.h>

#include <cstdlib>

#include "engine/test_support.h"
#include "providers/targets/target.h"

namespace vdc {
namespace {

using testing::errorOf;
using testing::TempDir;

TEST(TargetLimits, HostsAndPoolsBoundTheDatacenterOpened) {
  TempDir dir;
  dir.write("fleet.yaml", R"(apiVersion: vdc/v1
kind: Target
metadata: {name: racks}
spec:
  hosts:
    - {name: small, embedded: {path: small.xml}, capacity: {cpus: 4}, maxParallel: 2}
    - {name: big, embedded: {path: big.xml}, capacity: {cpus: 64}}
  storageClasses:
    standard: {pool: disks, maxParallel: 4}
    archive: {pool: disks, maxParallel: 1}
    fast: {pool: nvme}
)");
  TargetSpec target = readTarget(dir.str() + "/fleet.yaml");
  EXPECT_EQ(target.limits.hosts, (std::vector<std::string>{"small", "big"}));
  EXPECT_EQ(target.limits.perHost, (std::map<std::string, int>{{"small", 2}}));
  // Two classes on one pool share it: the smaller bound holds.
  EXPECT_EQ(target.limits.perPool, (std::map<std::string, int>{{"disks", 1}}));
  EXPECT_EQ(target.limits.poolOfClass.at("fast"), "nvme");

  // The apply is given the outermost datacenter: with latency injected, the wrapper.
  setenv("VDC_LATENCY_MS", "1", 1);
  DatacenterPtr opened = openTarget(dir.str() + "/fleet.yaml");
  unsetenv("VDC_LATENCY_MS");
  EXPECT_EQ(opened->limits.perHost, target.limits.perHost);
  EXPECT_EQ(opened->limits.perPool, target.limits.perPool);
  using Bound = ParallelLimits::Bound;
  EXPECT_EQ(opened->limits.boundsOf(Kind::Image, Json::object()),
            (std::vector<Bound>{{"host/small", 2}, {"host/small/pool/disks", 1}, {"host/big/pool/disks", 1}}));
}

TEST(TargetLimits, AWrongBoundIsAnErrorAtItsPlace) {
  TempDir dir;
  dir.write("bad.yaml", R"(apiVersion: vdc/v1
kind: Target
metadata: {name: bad}
spec:
  hosts:
    - {uri: "qemu:///system", maxParallel: 0}
  storageClasses:
    standard: {pool: disks, maxParalel: 2}
)");
  std::string error = errorOf([&] { readTarget(dir.str() + "/bad.yaml"); });
  EXPECT_NE(error.find("bad.yaml:6:44: maxParallel must be a whole number from 1 to 1000"), std::string::npos) << error;
  EXPECT_NE(error.find("bad.yaml:8:29: unknown field 'maxParalel' in a storage class (did you mean 'maxParallel'?)"),
            std::string::npos)
      << error;
}

}  // namespace
}  // namespace vdc
