// Convergence on a real datacenter (tests/e2e/real_datacenter.h): objects a
// person stops, deletes or gets in the way of by hand on the host are drift
// the plan shows and the next apply repairs; and the fault sweep of
// tests/fault_test.cc (fail or kill vdc at every provider call) on a small
// VDC, where the next run converges with no orphan and no duplicate.
#include <chrono>
#include <set>

#include "tests/e2e/real_datacenter.h"

namespace vdc::testing {

namespace {

constexpr const char* kVdc = "conv";

// Two networks, a group, an image, a volume and two machines: one of each
// kind vdc makes on libvirt, at the smallest size that still boots.
std::string convergeVdc(const std::string& sha) {
  return R"yaml(apiVersion: vdc/v1
kind: VirtualDataCenter
metadata: {name: conv}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: front}
spec: {cidr: 10.93.1.0/24}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: back}
spec: {cidr: 10.93.2.0/24}
---
apiVersion: vdc/v1
kind: SecurityGroup
metadata: {name: web}
spec: {ingress: [{protocol: tcp, ports: "80"}]}
---
apiVersion: vdc/v1
kind: Image
metadata: {name: guest}
spec: {source: guest.img, format: raw, sha256: )yaml" + sha + R"yaml(}
---
apiVersion: vdc/v1
kind: Volume
metadata: {name: data}
spec: {size: 16MiB}
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: a}
spec:
  memory: 128MiB
  hypervisor: qemu
  image: guest
  interfaces: [{network: front, securityGroups: [web]}]
  volumes: [{volume: data}]
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: b}
spec:
  memory: 128MiB
  hypervisor: qemu
  image: guest
  interfaces: [{network: back}]
)yaml";
}

constexpr int kResources = 8;

// The objects of the VDC on the host, each as "what name", counted.
std::multiset<std::string> objectsOf(const std::string& vdc) {
  std::multiset<std::string> found;
  for (const auto& [listing, line] : linesNaming(vdc)) {
    auto at = line.find(vdc + ".");
    auto end = line.find(' ', at);
    found.insert(listing.substr(0, 4) + " " + line.substr(at, end == std::string::npos ? end : end - at));
  }
  return found;
}

class Converge : public RealDatacenter {
 protected:
  void SetUp() override {
    RealDatacenter::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    writeFile(dir.path() / "vdc" / "vdc.yaml", convergeVdc(stage(guestImage(), "vdc", "guest.img")));
    // A killed run leaves its lock on the host until the lease expires: a
    // short one, that a busy host still renews in time (renewals wait for
    // the lock network alone, docs/targets.md).
    writeFile(dir.path() / "target.yaml", readFile(dir.path() / "target.yaml") + "  coordination: {lease: 3s}\n");
    run("destroy --auto-approve");  // what a failed run left
    ASSERT_EQ(leftovers(kVdc), "");
  }

  void TearDown() override {
    if (!guestImage().empty()) run("destroy --auto-approve");
  }

  Result run(const std::string& command, const std::string& environment = "") {
    return shell(dir.path(), environment + VDC_BINARY + " " + command + " vdc --target target.yaml");
  }

  // The next run after a killed one: refused while the killed run's lock
  // lives on, then taken over once its lease expired.
  Result runAfterKill(const std::string& command) {
    return retryWhileLocked(run(command), [&] { return run(command); }, std::chrono::steady_clock::now() + patience);
  }

  // Changes the first `from` in the VDC's manifests to `to`.
  void editManifests(const std::string& from, const std::string& to) {
    fs::path path = dir.path() / "vdc" / "vdc.yaml";
    std::string text = readFile(path);
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    writeFile(path, text.replace(at, from.size(), to));
  }

  // How long a killed run's lock may live on: its lease, and some.
  std::chrono::seconds patience{6};

  static std::string bridgeOf(const std::string& network) {
    return "vdcbr" + sha256Hex(std::string(kVdc) + "/" + network).substr(0, 10);
  }
};

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_F(Converge, WhatIsStoppedOrDeletedByHandIsDriftThatTheNextApplyRepairs) {
  Result apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  ASSERT_EQ(run("plan --detailed-exitcode").exit, 0) << run("plan").out;
  // The bridges are vdc's, not libvirt's next virbrN.
  EXPECT_TRUE(has(virsh("net-info conv.front").out, bridgeOf("front"))) << virsh("net-info conv.front").out;

  ASSERT_EQ(virsh("net-destroy conv.back").exit, 0);
  ASSERT_EQ(virsh("destroy conv.a").exit, 0);
  ASSERT_EQ(virsh("destroy conv.b").exit, 0);
  Result removed = virsh("undefine conv.b --remove-all-storage");
  ASSERT_EQ(removed.exit, 0) << removed.err;
  ASSERT_EQ(shell(dir.path(), "ip link del " + bridgeOf("front")).exit, 0);
  Result plan = run("plan --detailed-exitcode");
  EXPECT_EQ(plan.exit, 2) << plan.out << plan.err;
  EXPECT_TRUE(has(plan.out, "   ~ Network/back (drift)\n      hostState: \"inactive\" -> (none)   # drift")) << plan.out;
  EXPECT_TRUE(has(plan.out, "   ~ Network/front (drift)\n      hostState: \"bridge " + bridgeOf("front") +
                                " missing\" -> (none)   # drift"))
      << plan.out;
  EXPECT_TRUE(has(plan.out, "   ~ Instance/a (drift)\n      state: \"stopped\" -> \"running\"   # drift")) << plan.out;
  EXPECT_TRUE(has(plan.out, "   + Instance/b (drift: deleted outside vdc)\n")) << plan.out;

  apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0) << run("plan").out;
  EXPECT_TRUE(has(virsh("domstate conv.b").out, "running"));
  EXPECT_EQ(shell(dir.path(), "ip link show " + bridgeOf("front")).exit, 0);

  // A storage pool stopped by hand: its disks are not gone, and the apply starts it.
  ASSERT_EQ(virsh(std::string("pool-destroy ") + kPool).exit, 0);
  plan = run("plan --detailed-exitcode");
  EXPECT_EQ(plan.exit, 2) << plan.out << plan.err;
  EXPECT_TRUE(has(plan.out, "   ~ Volume/data (drift)\n      hostState: \"pool 'vdc-e2e' inactive\" -> (none)")) << plan.out;
  EXPECT_FALSE(has(plan.out, "(replace)")) << plan.out;
  apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0) << run("plan").out;

  // The pool stopped and a domain deleted at once: its disks are unseen, not
  // gone, and the apply makes the instance anew over them.
  ASSERT_EQ(virsh("destroy conv.b").exit, 0);
  ASSERT_EQ(virsh("undefine conv.b").exit, 0);
  ASSERT_EQ(virsh(std::string("pool-destroy ") + kPool).exit, 0);
  apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0) << run("plan").out;
  EXPECT_TRUE(has(virsh("domstate conv.b").out, "running"));

  // A seed deleted from under its running machine is made again, and the
  // machine runs on: the guest reads it at its next boot.
  std::string started = virsh("domid conv.a").out;
  ASSERT_EQ(virsh(std::string("vol-delete --pool ") + kPool + " conv.seed.a").exit, 0);
  plan = run("plan --detailed-exitcode");
  EXPECT_EQ(plan.exit, 2) << plan.out << plan.err;
  EXPECT_TRUE(has(plan.out, "   ~ Instance/a (drift)\n      hostState: \"volume conv.seed.a missing\" -> (none)   # drift"))
      << plan.out;
  apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0) << run("plan").out;
  EXPECT_EQ(virsh(std::string("vol-info --pool ") + kPool + " conv.seed.a").exit, 0);
  EXPECT_EQ(virsh("domid conv.a").out, started) << "restarted";

  ASSERT_EQ(run("destroy --auto-approve").exit, 0);
  EXPECT_EQ(leftovers(kVdc), "");
}

// A machine that no longer names an image is made anew without one: its
// old root disk goes with its old domain, none is left behind.
TEST_F(Converge, AMachineThatDropsItsImageLeavesNoRootDisk) {
  Result apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  ASSERT_EQ(virsh(std::string("vol-info --pool ") + kPool + " conv.root.b").exit, 0);
  ASSERT_NO_FATAL_FAILURE(editManifests("metadata: {name: b}\nspec:\n  memory: 128MiB\n  hypervisor: qemu\n  image: guest\n",
                                        "metadata: {name: b}\nspec:\n  memory: 128MiB\n  hypervisor: qemu\n"));
  apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_TRUE(has(apply.out + apply.err, "Instance/b")) << apply.out << apply.err;
  EXPECT_NE(virsh(std::string("vol-info --pool ") + kPool + " conv.root.b").exit, 0) << "its old root disk is left";
  EXPECT_EQ(virsh(std::string("vol-info --pool ") + kPool + " conv.seed.b").exit, 0);
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0) << run("plan").out;
}

// A volume attached to a running guest grows through it (qemu holds the
// file): the guest runs on and sees the new size.
TEST_F(Converge, AVolumeGrowsUnderItsRunningGuest) {
  Result apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  std::string started = virsh("domid conv.a").out;
  ASSERT_NO_FATAL_FAILURE(editManifests("spec: {size: 16MiB}", "spec: {size: 32MiB}"));
  apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_TRUE(has(virsh("domblkinfo conv.a vdb").out, "33554432")) << virsh("domblkinfo conv.a vdb").out;
  EXPECT_EQ(virsh("domid conv.a").out, started) << "restarted";
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0) << run("plan").out;
}

// A run killed after it wrote a machine's new definition, before the
// restart that makes it what the guest runs: the guest runs its old one,
// which is what a plan reads, and the next apply restarts it.
TEST_F(Converge, AMachineLeftOnItsOldBootByAKilledRunIsRestartedByTheNextRun) {
  Result apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  ASSERT_NO_FATAL_FAILURE(editManifests("metadata: {name: a}\nspec:\n", "metadata: {name: a}\nspec:\n  cpus: 2\n"));
  // The guest ignores a shutdown request: the run waits out its timeout
  // between the definition and the restart, and is killed there.
  std::string virshA = std::string("virsh -q -c ") + kUri + " ";
  Result killed = shell(dir.path(), std::string(VDC_BINARY) +
                                        " apply --auto-approve --shutdown-timeout 120s vdc --target target.yaml "
                                        ">apply.log 2>&1 & holder=$!; for i in $(seq 600); do " + virshA +
                                        "dumpxml --inactive conv.a | grep -q \">2</vcpu>\" && break; sleep 0.1; done; "
                                        "kill -9 $holder; wait $holder; " + virshA + "dumpxml conv.a | grep '</vcpu>'");
  ASSERT_TRUE(has(virsh("dumpxml --inactive conv.a").out, ">2</vcpu>")) << readFile(dir.path() / "apply.log");
  ASSERT_TRUE(has(killed.out, ">1</vcpu>")) << "the guest was restarted before the kill: " << killed.out;

  Result plan = run("plan --detailed-exitcode");
  EXPECT_EQ(plan.exit, 2) << plan.out << plan.err;
  EXPECT_TRUE(has(plan.out, "   ~ Instance/a\n      cpus: 1 -> 2   # restarts the instance")) << plan.out;
  apply = runAfterKill("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_TRUE(has(virsh("dumpxml conv.a").out, ">2</vcpu>")) << "the guest runs its new definition";
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0) << run("plan").out;
}

// A machine whose domain was deleted by hand comes back on the root disk it
// left, bytes and all; a volume made anew is attached again to its machine,
// which lets go of it first by stopping, and runs again after.
TEST_F(Converge, AMachineComesBackOnItsOwnRootDiskAndTakesAVolumeMadeAnew) {
  Result apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  std::string root = virsh(std::string("vol-path --pool ") + kPool + " conv.root.a").out;
  root.erase(root.find_last_not_of(" \n") + 1);
  ASSERT_EQ(virsh("destroy conv.a").exit, 0);
  Json info = Json::parse(shell(dir.path(), "qemu-img info --output=json " + root).out, nullptr, false);
  ASSERT_TRUE(info.is_object() && info.contains("virtual-size")) << info;
  // A marker in the disk's last 64 KiB, where the guest does not look.
  std::string at = std::to_string(info["virtual-size"].get<uint64_t>() - 65536);
  Result marked = shell(dir.path(), "qemu-io -c 'write -P 0x5a " + at + " 64k' " + root);
  ASSERT_EQ(marked.exit, 0) << marked.out << marked.err;
  ASSERT_EQ(virsh("undefine conv.a").exit, 0);

  Result plan = run("plan");
  EXPECT_TRUE(has(plan.out, "   + Instance/a (drift: deleted outside vdc)\n")) << plan.out;
  EXPECT_TRUE(has(plan.out, "Plan: 1 to create, 0 to update, 0 to replace, 0 to delete")) << plan.out;
  apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_TRUE(has(virsh("domstate conv.a").out, "running"));
  Result read = shell(dir.path(), "qemu-io -U -r -c 'read -P 0x5a " + at + " 64k' " + root);
  EXPECT_EQ(read.exit, 0) << read.err;
  EXPECT_FALSE(has(read.out, "Pattern verification failed")) << "its root disk is the one it left:\n" << read.out;

  plan = run("plan --replace Volume/data");
  EXPECT_TRUE(has(plan.out, "   ~ Instance/a\n      re-attaches Volume/data (made anew)   # restarts the instance\n"))
      << plan.out;
  apply = run("apply --auto-approve --replace Volume/data");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_TRUE(has(apply.err, "~ Instance/a: let go of what is replaced")) << apply.err;
  EXPECT_TRUE(has(virsh("domstate conv.a").out, "running"));
  EXPECT_TRUE(has(virsh("domblklist conv.a").out, "conv.vol.data")) << virsh("domblklist conv.a").out;
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0) << run("plan").out;
}

// Renames keep the objects (engine/rename.h): the running guest is neither
// restarted nor re-attached, keeps its disks, MACs and NIC filter, and its
// domain its name; the next plan has nothing to do.
TEST_F(Converge, RenamedResourcesKeepTheirRunningGuestAndItsDisks) {
  Result apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  std::string domid = virsh("domid conv.a").out, nics = virsh("domiflist conv.a").out;
  auto edit = [&](const std::string& from, const std::string& to) {
    std::string yaml = readFile(dir.path() / "vdc" / "vdc.yaml");
    yaml.replace(yaml.find(from), from.size(), to);
    writeFile(dir.path() / "vdc" / "vdc.yaml", yaml);
  };
  edit("metadata: {name: data}", "metadata: {name: store, annotations: {vdc/renamed-from: data}}");
  edit("volumes: [{volume: data}]", "volumes: [{volume: store}]");
  Result plan = run("plan");
  EXPECT_TRUE(has(plan.out, "   ~ Volume/data -> Volume/store (renamed)\n")) << plan.out;
  EXPECT_TRUE(has(plan.out, "   ~ Instance/a\n      refers to Volume/store (renamed from data)\n")) << plan.out;
  ASSERT_EQ(run("apply --auto-approve").exit, 0);

  edit("metadata: {name: a}", "metadata: {name: alpha, annotations: {vdc/renamed-from: a}}");
  plan = run("plan");
  EXPECT_TRUE(has(plan.out, "   ~ Instance/a -> Instance/alpha (renamed)\n")) << plan.out;
  apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_EQ(virsh("domid conv.a").out, domid) << "the guest ran on";
  EXPECT_EQ(virsh("domiflist conv.a").out, nics) << "its NICs and MACs are the ones it had";
  EXPECT_TRUE(has(virsh("dumpxml conv.a").out, "filter='conv.nic.a.0'")) << "and its NIC filter";
  EXPECT_TRUE(has(virsh("domblklist conv.a").out, "conv.vol.data")) << virsh("domblklist conv.a").out;
  EXPECT_TRUE(has(virsh("domblklist conv.a").out, "conv.root.a")) << virsh("domblklist conv.a").out;
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0) << run("plan").out;
  // Gone with the VDC, under the names they kept.
  ASSERT_EQ(run("destroy --auto-approve").exit, 0);
  EXPECT_EQ(leftovers(kVdc), "");
}

TEST_F(Converge, AnInterfaceInTheWayOfABridgeIsAnErrorBeforeAnyChange) {
  std::string bridge = bridgeOf("back");
  ASSERT_EQ(shell(dir.path(), "ip link add " + bridge + " type bridge").exit, 0);
  Result plan = run("apply --auto-approve");
  shell(dir.path(), "ip link del " + bridge);
  EXPECT_EQ(plan.exit, 1) << plan.out << plan.err;
  EXPECT_TRUE(has(plan.err, "Network/back: its bridge '" + bridge + "' is already an interface on qemu:///system"))
      << plan.err;
  EXPECT_EQ(leftovers(kVdc), "") << "something was made";
}

// A NIC's filter exists while the NIC is in a group: one that leaves every
// group loses it with the apply (no filter is left for the destroy to find).
TEST_F(Converge, ANicThatLeavesItsGroupsLosesItsFilter) {
  ASSERT_EQ(run("apply --auto-approve").exit, 0);
  auto hasNicFilter = [] {
    for (const auto& [listing, line] : linesNaming(kVdc))
      if (listing == "nwfilter-list" && has(line, std::string(kVdc) + ".nic.a.0")) return true;
    return false;
  };
  ASSERT_TRUE(hasNicFilter());
  std::string yaml = readFile(dir.path() / "vdc" / "vdc.yaml");
  std::string grouped = "interfaces: [{network: front, securityGroups: [web]}]";
  yaml.replace(yaml.find(grouped), grouped.size(), "interfaces: [{network: front}]");
  writeFile(dir.path() / "vdc" / "vdc.yaml", yaml);
  Result apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_FALSE(hasNicFilter());
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0);
  ASSERT_EQ(run("destroy --auto-approve").exit, 0);
  EXPECT_EQ(leftovers(kVdc), "");
}

// A guest is forced off at once unless a shutdown timeout asks for a
// graceful stop; the test guest does not listen for ACPI, so it then costs
// the whole (bounded) wait before the guest is forced off.
TEST_F(Converge, ADestroyForcesGuestsOffUnlessAskedToWaitAndThenWaitsNoLongerThanAsked) {
  ASSERT_EQ(run("apply --auto-approve").exit, 0);
  auto started = std::chrono::steady_clock::now();
  Result graceful = run("destroy --auto-approve --shutdown-timeout 4s");
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(graceful.exit, 0) << graceful.out << graceful.err;
  EXPECT_EQ(leftovers(kVdc), "");
  EXPECT_GE(took, 4.0);
  EXPECT_LT(took, 30.0);

  Result bad = run("destroy --auto-approve --shutdown-timeout soon");
  EXPECT_EQ(bad.exit, 1);
  EXPECT_TRUE(has(bad.err, "must be a duration")) << bad.err;
}

// Fail, then kill, vdc at each provider call of an apply, and kill it at each
// of a destroy; after each, one more run converges, the host holds exactly the
// VDC's objects (or none), and a plan is a no-op.
TEST_F(Converge, AFaultAtAnyCallOnARealHostConvergesOnTheNextRun) {
  Result clean = run("apply --auto-approve");
  ASSERT_EQ(clean.exit, 0) << clean.out << clean.err;
  ASSERT_TRUE(has(clean.out, "Apply complete: " + std::to_string(kResources) + " created")) << clean.out;
  std::multiset<std::string> expected = objectsOf(kVdc);
  ASSERT_EQ(run("destroy --auto-approve").exit, 0);

  for (const char* mode : {"fail", "kill"}) {
    for (int k : sweptCalls(kResources)) {
      SCOPED_TRACE(std::string(mode) + " at call " + std::to_string(k) + " of an apply");
      Result broken = run("apply --auto-approve", "VDC_FAULT=" + std::string(mode) + ":" + std::to_string(k) + " ");
      ASSERT_NE(broken.exit, 0) << broken.out;
      Result again = runAfterKill("apply --auto-approve");
      ASSERT_EQ(again.exit, 0) << again.out << again.err;
      EXPECT_EQ(objectsOf(kVdc), expected) << "duplicates or orphans after the fault";
      EXPECT_EQ(run("plan --detailed-exitcode").exit, 0) << run("plan").out;
      ASSERT_EQ(run("destroy --auto-approve").exit, 0);
    }
  }
  for (int k : sweptCalls(kResources)) {
    SCOPED_TRACE("kill at call " + std::to_string(k) + " of a destroy");
    ASSERT_EQ(run("apply --auto-approve").exit, 0);
    Result broken = run("destroy --auto-approve", "VDC_FAULT=kill:" + std::to_string(k) + " ");
    ASSERT_NE(broken.exit, 0) << broken.out;
    Result again = runAfterKill("destroy --auto-approve");
    ASSERT_EQ(again.exit, 0) << again.out << again.err;
    EXPECT_EQ(leftovers(kVdc), "");
  }
}

}  // namespace vdc::testing

namespace vdc::testing {

// --atomic on a real host: a failure at any call of an apply that creates,
// updates (one guest restarts) and deletes is undone, leaving the host as it
// was and the same plan; a kill at any call of the undo of the last one is
// finished by one more run. Either way the next run leaves the new version.
TEST_F(Converge, AnAtomicApplyOnARealHostIsUndoneWholeOrFinishedWhole) {
  // A lease that lapsed would stop the apply, which then undoes nothing by
  // design; the sweep is of faults, not of lapses: a lease with room.
  std::string target = readFile(dir.path() / "target.yaml");
  ASSERT_NE(target.find("lease: 3s"), std::string::npos);
  target.replace(target.find("lease: 3s"), 9, "lease: 6s");
  writeFile(dir.path() / "target.yaml", target);
  patience = std::chrono::seconds(9);
  std::string v1 = readFile(dir.path() / "vdc" / "vdc.yaml") +
                   "---\napiVersion: vdc/v1\nkind: SecurityGroup\nmetadata: {name: spare}\nspec: {}\n";
  std::string v2 = v1;
  auto swap = [&](const std::string& from, const std::string& to) {
    ASSERT_NE(v2.find(from), std::string::npos) << from;
    v2.replace(v2.find(from), from.size(), to);
  };
  swap("---\napiVersion: vdc/v1\nkind: SecurityGroup\nmetadata: {name: spare}\nspec: {}\n", "");
  swap("ports: \"80\"", "ports: \"8080\"");
  swap("metadata: {name: b}\nspec:\n  memory: 128MiB", "metadata: {name: b}\nspec:\n  memory: 160MiB");
  v2 += "---\napiVersion: vdc/v1\nkind: Network\nmetadata: {name: extra}\nspec: {cidr: 10.93.3.0/24}\n";
  auto atVersion = [&](const std::string& manifests) {
    writeFile(dir.path() / "vdc" / "vdc.yaml", manifests);
    ASSERT_EQ(run("apply --auto-approve").exit, 0);
  };
  auto changes = [&] { return Json::parse(run("plan --json").out)["changes"]; };
  const std::string atomic = "apply --auto-approve --atomic";

  atVersion(v2);
  std::multiset<std::string> next = objectsOf(kVdc);
  atVersion(v1);
  std::multiset<std::string> old = objectsOf(kVdc);
  writeFile(dir.path() / "vdc" / "vdc.yaml", v2);
  Json planned = changes();
  ASSERT_EQ(planned.size(), 4u) << planned.dump();

  int calls = 0;
  for (int k = 1; k <= 20; ++k) {
    SCOPED_TRACE("fail at call " + std::to_string(k));
    Result broken = run(atomic, "VDC_FAULT=fail:" + std::to_string(k) + " ");
    if (broken.exit == 0) {
      calls = k - 1;
      atVersion(v1);
      writeFile(dir.path() / "vdc" / "vdc.yaml", v2);
      break;
    }
    EXPECT_TRUE(has(broken.out, "rolled back")) << broken.out << broken.err;
    EXPECT_EQ(objectsOf(kVdc), old) << "the old version, whole";
    EXPECT_EQ(changes(), planned) << "the plan afterwards is the plan before";
    ASSERT_EQ(run(atomic).exit, 0);
    EXPECT_EQ(objectsOf(kVdc), next);
    EXPECT_EQ(run("plan --detailed-exitcode").exit, 0);
    atVersion(v1);
    writeFile(dir.path() / "vdc" / "vdc.yaml", v2);
  }
  ASSERT_GE(calls, 4);
  for (int m = calls + 1; m < 3 * calls; ++m) {
    SCOPED_TRACE("killed at call " + std::to_string(m) + " while undoing");
    Result broken = run(atomic, "VDC_FAULT=fail:" + std::to_string(calls) + ",kill:" + std::to_string(m) + " ");
    ASSERT_NE(broken.exit, 0);
    if (!has(broken.err, "killed by VDC_FAULT")) {
      EXPECT_EQ(objectsOf(kVdc), old) << "past the undo's last call, it was undone whole";
      break;
    }
    Result again = runAfterKill(atomic);
    ASSERT_EQ(again.exit, 0) << again.out << again.err;
    EXPECT_EQ(objectsOf(kVdc), next);
    EXPECT_EQ(run("plan --detailed-exitcode").exit, 0);
    atVersion(v1);
    writeFile(dir.path() / "vdc" / "vdc.yaml", v2);
  }
}

}  // namespace vdc::testing
