// The lock of a VDC held on the libvirt host itself (providers/libvirt/
// host_lock.h), on a real libvirtd: two appliers from two working
// directories, a holder killed with SIGKILL and taken over once its lease
// expired, and takers racing for one stale lock.
#include <atomic>
#include <regex>
#include <set>
#include <thread>

#include "providers/libvirt/host_lock.h"
#include "tests/e2e/real_datacenter.h"

namespace vdc::testing {

namespace {

constexpr const char* kLockVdc = R"yaml(apiVersion: vdc/v1
kind: VirtualDataCenter
metadata: {name: locks}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: one}
spec: {cidr: 10.94.1.0/24}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: two}
spec: {cidr: 10.94.2.0/24}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: three}
spec: {cidr: 10.94.3.0/24}
---
apiVersion: vdc/v1
kind: SecurityGroup
metadata: {name: web}
spec: {ingress: [{protocol: tcp, ports: "80"}]}
)yaml";

class HostLockOnLibvirtd : public RealDatacenter {
 protected:
  void SetUp() override {
    RealDatacenter::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    writeFile(dir.path() / "lease.yaml",
              "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: e2e}\nspec:\n  hosts:\n    - uri: qemu:///system\n"
              "  storageClasses:\n    standard: {pool: vdc-e2e}\n  coordination: {lease: 6s}\n");
    for (const char* from : {"a", "b"}) writeFile(dir.path() / from / "vdc" / "vdc.yaml", kLockVdc);
    run("b", "destroy --auto-approve");  // what a failed run left
    virsh("net-undefine locks._lock");
    ASSERT_EQ(leftovers("locks"), "");
  }

  void TearDown() override {
    if (!guestImage().empty()) run("b", "destroy --auto-approve");
  }

  Result run(const std::string& from, const std::string& command, const std::string& environment = "") {
    return shell(dir.path() / from, environment + VDC_BINARY + " " + command + " vdc --target ../lease.yaml");
  }

  // Starts an apply in a/ held at its call `at` (its lock is on the host
  // from before its first call) and runs `then` there; $holder is its pid.
  Result whileAppliesHold(const std::string& then, int at = 1) {
    return shell(dir.path() / "a", startHeld("VDC_FAULT=hold:" + std::to_string(at) + " " + std::string(VDC_BINARY) +
                                                 " apply vdc --target ../lease.yaml --auto-approve >first.out 2>&1",
                                             "first.out") +
                                       then);
  }

  static uint64_t tokenIn(const std::string& xml, const std::string& attribute) {
    std::smatch found;
    if (!std::regex_search(xml, found, std::regex(attribute + "=.([0-9]+)"))) return 0;
    return std::stoull(found[1]);
  }
};

}  // namespace

TEST_F(HostLockOnLibvirtd, OfTwoAppliersInTwoDirectoriesExactlyOneRuns) {
  Result second = whileAppliesHold("cd ../b && " + std::string(VDC_BINARY) +
                                   " apply vdc --target ../lease.yaml --auto-approve; code=$?; kill -CONT $holder; wait $holder; exit $code");
  EXPECT_EQ(second.exit, 1);
  EXPECT_NE(second.err.find("is locked by vdc apply (pid"), std::string::npos) << second.err;
  EXPECT_NE(readFile(dir.path() / "a" / "first.out").find("Apply complete: 5 created"), std::string::npos)
      << readFile(dir.path() / "a" / "first.out");
  EXPECT_EQ(run("b", "plan --detailed-exitcode").exit, 0);
  EXPECT_NE(virsh("net-info locks._lock").exit, 0) << "the lock stayed on the host";
}

TEST_F(HostLockOnLibvirtd, AKilledHolderIsTakenOverOnlyOnceItsLeaseExpired) {
  Result killed = whileAppliesHold("virsh -q -c qemu:///system net-dumpxml locks._lock; kill -9 $holder; wait $holder", 3);
  EXPECT_EQ(killed.exit, 137) << killed.err;
  auto killedAt = std::chrono::steady_clock::now();
  uint64_t dead = tokenIn(killed.out, "token");
  ASSERT_GT(dead, 0u) << killed.out;
  Result next = run("b", "apply --auto-approve");
  EXPECT_EQ(next.exit, 1);
  EXPECT_NE(next.err.find("is locked by vdc apply (pid"), std::string::npos) << next.err;
  // Refused while the lease (6 s) lives on, taken over after.
  next = retryWhileLocked(next, [&] { return run("b", "apply --auto-approve"); }, killedAt + std::chrono::seconds(30));
  ASSERT_EQ(next.exit, 0) << next.out << next.err;
  EXPECT_GE(std::chrono::steady_clock::now() - killedAt, std::chrono::seconds(3)) << "taken over long before the lease expired";
  EXPECT_EQ(run("a", "plan --detailed-exitcode").exit, 0);
  // The record carries the next holder's token, above the killed one's.
  EXPECT_GT(tokenIn(virsh("net-dumpxml locks._vdc").out, "fence"), dead) << virsh("net-dumpxml locks._vdc").out;
  std::set<std::string> networks;  // each listed by the QEMU and the LXC connection alike
  for (const auto& listed : linesNaming("locks"))
    if (listed.listing.starts_with("net-list")) networks.insert(listed.line);
  EXPECT_EQ(networks, (std::set<std::string>{"locks._vdc", "locks.one", "locks.three", "locks.two"}))
      << "no duplicates, no lock left";
}

TEST_F(HostLockOnLibvirtd, OfManyTakersOfOneStaleLockExactlyOneWins) {
  for (int round = 0; round < 5; ++round) {
    std::string xml = "<network><name>locks._lock</name><bridge name='vdcbre2elock'/><metadata>"
                      "<vdc:lock xmlns:vdc='urn:vdc:ownership:1' token='10' expires='1' holder='long gone'/>"
                      "</metadata></network>";
    writeFile(dir.path() / "stale.xml", xml);
    libvirt::quietLibvirtErrors();
    ASSERT_EQ(virsh("net-define " + (dir.path() / "stale.xml").string()).exit, 0);
    std::atomic<int> winners = 0;
    std::atomic<bool> go = false;
    std::vector<LeasePtr> leases(6);
    std::vector<std::thread> takers;
    for (size_t i = 0; i < leases.size(); ++i)
      takers.emplace_back([&, i] {
        libvirt::HostLocks locks(kUri, std::chrono::seconds(5));
        while (!go) std::this_thread::yield();
        std::string holder;
        try {
          leases[i] = locks.tryAcquire("locks", "taker " + std::to_string(i), holder);
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
        }
        if (leases[i]) ++winners;
      });
    go = true;
    for (auto& t : takers) t.join();
    EXPECT_EQ(winners, 1) << "round " << round;
    leases.clear();  // the winner lets go
    EXPECT_NE(virsh("net-info locks._lock").exit, 0);
  }
}

}  // namespace vdc::testing
