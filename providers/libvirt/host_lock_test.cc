// The lock on a libvirt host, against libvirt's test driver: every
// connection to test:///default in one process sees the same host, so two
// HostLocks here are two writers meeting on one host. Takers racing for one
// stale lock are tested on libvirtd itself (tests/e2e/lock_test.cc): the
// test driver undefines a network by its name, libvirtd by its UUID, which
// is what makes a takeover exclusive.
#include "providers/libvirt/host_lock.h"

#include <gtest/gtest.h>

#include <thread>

#include "providers/libvirt/api/xml.h"
#include "providers/libvirt/datacenter.h"
#include "providers/libvirt/ownership.h"

namespace vdc::libvirt {

namespace {

using namespace std::chrono_literals;

constexpr const char* kHost = "test:///default";

class HostLock : public ::testing::Test {
 protected:
  HostLock() : host_(virConnectOpen(kHost)) { quietLibvirtErrors(); }
  ~HostLock() override {
    if (NetworkHandle lock{virNetworkLookupByName(host_.get(), lockName("shop").c_str())}) virNetworkUndefine(lock.get());
  }

  // The lock network as the host has it now: its UUID and metadata.
  std::string lockXml() {
    NetworkHandle lock(virNetworkLookupByName(host_.get(), lockName("shop").c_str()));
    return lock ? networkDefinition(lock.get()) : "";
  }

  // A lock left by a writer that died: expired `ago`, with `token`; as an
  // earlier vdc wrote it, with its expiry in the metadata, if `earlier`.
  void plantLock(uint64_t token, std::chrono::milliseconds ago, const std::string& holder = "vdc apply (pid 1)",
                 bool earlier = false) {
    std::string expires = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             (std::chrono::system_clock::now() - ago).time_since_epoch()).count());
    std::string xml = "<network><name>" + lockName("shop") + "</name>";
    xml += earlier ? "<bridge name='vdcbrtestlock'/>"
                   : "<forward mode='bridge'/><bridge name='vdcbrtestlock'/><portgroup name='vdc-lease'><bandwidth>"
                     "<inbound average='" + expires + "'/></bandwidth></portgroup>";
    xml += "<metadata><vdc:lock xmlns:vdc='" + std::string(kOwnershipNamespace) + "' token='" + std::to_string(token) +
           "'" + (earlier ? " expires='" + expires + "'" : "") + " holder='" + holder + "'/></metadata></network>";
    NetworkHandle planted(virNetworkDefineXML(host_.get(), xml.c_str()));
    ASSERT_TRUE(planted) << xml;
  }

  // When the lock on the host says its lease expires, in ms since the epoch.
  uint64_t expiresOnHost() {
    std::string xml = lockXml();
    auto at = xml.find("inbound average='");
    return at == std::string::npos ? 0 : std::stoull(xml.substr(at + 17));
  }

  ConnectionHandle host_;
};

TEST_F(HostLock, ASecondWriterIsRefusedAndToldWhoHoldsIt) {
  HostLocks mine(kHost, 5s), theirs(kHost, 5s);
  std::string holder;
  LeasePtr held = mine.tryAcquire("shop", "vdc apply", holder);
  ASSERT_TRUE(held);
  EXPECT_EQ(held->token().issuer, "host");
  EXPECT_EQ(theirs.tryAcquire("shop", "vdc watch", holder), nullptr);
  EXPECT_NE(holder.find("vdc apply (pid " + std::to_string(getpid())), std::string::npos) << holder;
  EXPECT_NE(lockXml().find("vdc:lock"), std::string::npos);
  std::string other;
  EXPECT_TRUE(theirs.tryAcquire("cafe", "vdc apply", other)) << "one VDC's lock held another's";
}

TEST_F(HostLock, ReleasedWhenLetGoAndTheNextTokenIsGreater) {
  HostLocks locks(kHost, 5s);
  std::string holder;
  uint64_t first = 0;
  {
    LeasePtr held = locks.tryAcquire("shop", "vdc apply", holder);
    ASSERT_TRUE(held);
    first = held->token().value;
  }
  EXPECT_EQ(lockXml(), "") << "the lock stayed on the host";
  LeasePtr again = locks.tryAcquire("shop", "vdc apply", holder);
  ASSERT_TRUE(again);
  EXPECT_GT(again->token().value, first);
}

TEST_F(HostLock, ALiveHolderRenewsPastItsLeaseAndKeepsIt) {
  HostLocks mine(kHost, 2s), theirs(kHost, 2s);
  std::string holder;
  LeasePtr held = mine.tryAcquire("shop", "vdc apply", holder);
  ASSERT_TRUE(held);
  std::string uuid = lockXml().substr(lockXml().find("<uuid>"), 44);
  uint64_t first = expiresOnHost();
  std::this_thread::sleep_for(4500ms);
  EXPECT_NO_THROW(held->check());
  EXPECT_EQ(theirs.tryAcquire("shop", "vdc apply", holder), nullptr);
  // Renewed in place: the same network, a later expiry.
  EXPECT_NE(lockXml().find(uuid), std::string::npos) << lockXml();
  EXPECT_GT(expiresOnHost(), first + 2000) << lockXml();
}

TEST_F(HostLock, AnExpiredLockIsTakenOverWithAGreaterToken) {
  for (bool earlier : {false, true}) {
    SCOPED_TRACE(earlier ? "a lock as an earlier vdc wrote it" : "a lock as this vdc writes it");
    plantLock(777, 1s, "vdc apply (pid 1 on gone)", earlier);
    HostLocks locks(kHost, 5s);
    std::string holder;
    LeasePtr held = locks.tryAcquire("shop", "vdc apply", holder);
    ASSERT_TRUE(held) << holder;
    EXPECT_GT(held->token().value, 777u);
    EXPECT_EQ(lockXml().find("pid 1 on gone"), std::string::npos);
  }
}

TEST_F(HostLock, ALockNotYetExpiredIsNotTakenOver) {
  for (bool earlier : {false, true}) {
    SCOPED_TRACE(earlier ? "a lock as an earlier vdc wrote it" : "a lock as this vdc writes it");
    plantLock(5, -3s, "vdc apply (pid 1 on paused)", earlier);  // expires in 3 s
    HostLocks locks(kHost, 5s);
    std::string holder;
    EXPECT_EQ(locks.tryAcquire("shop", "vdc apply", holder), nullptr);
    EXPECT_EQ(holder, "vdc apply (pid 1 on paused)");
    NetworkHandle planted(virNetworkLookupByName(host_.get(), lockName("shop").c_str()));
    virNetworkUndefine(planted.get());
  }
}

TEST_F(HostLock, AHolderWhoseLockWasTakenOverKnowsItHasLostIt) {
  HostLocks locks(kHost, 5s);
  std::string holder;
  LeasePtr held = locks.tryAcquire("shop", "vdc apply", holder);
  ASSERT_TRUE(held);
  // As if the holder had been paused past its lease and another took over.
  NetworkHandle lock(virNetworkLookupByName(host_.get(), lockName("shop").c_str()));
  ASSERT_EQ(virNetworkUndefine(lock.get()), 0);
  plantLock(held->token().value + 1, -10s, "the next holder");
  // Its next renewal (a third of the lease on) finds out.
  std::string lost;
  for (auto until = std::chrono::steady_clock::now() + 30s; lost.empty() && std::chrono::steady_clock::now() < until;) {
    try {
      held->check();
      std::this_thread::sleep_for(50ms);
    } catch (const Error& e) {
      lost = e.what();
    }
  }
  EXPECT_NE(lost.find("was lost: another writer holds it"), std::string::npos) << lost;
  held.reset();
  EXPECT_NE(lockXml().find("the next holder"), std::string::npos) << "letting go removed the next holder's lock";
}

TEST_F(HostLock, ANetworkOfThatNameThatIsNoLockIsInTheWay) {
  std::string xml = "<network><name>" + lockName("shop") + "</name><bridge name='vdcbrtestlock'/></network>";
  NetworkHandle planted(virNetworkDefineXML(host_.get(), xml.c_str()));
  ASSERT_TRUE(planted);
  HostLocks locks(kHost, 5s);
  std::string holder;
  try {
    locks.tryAcquire("shop", "vdc apply", holder);
    FAIL() << "took a lock over someone else's network";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is not a vdc lock"), std::string::npos) << e.what();
  }
}

// Fencing: the VDC's record carries the token of the writer that wrote it
// last, and an earlier holder's late write is refused.
class Fencing : public HostLock {
 protected:
  static HostSettings settings() {
    HostSettings host;
    host.uri = kHost;
    host.testDriver = true;
    host.createMissingPools = true;
    return host;
  }
  // A writer's apply: told its token, then writes the VDC's record.
  static void write(LibvirtDatacenter& writer, uint64_t token, const std::string& description) {
    Provider& registry = writer.providerFor(Kind::VirtualDataCenter);
    ApplyIntent intent;
    intent.vdc = "fenced";
    intent.fence = FencingToken{"host", token};
    registry.prepare(intent);
    registry.create(Ownership{"fenced", {Kind::VirtualDataCenter, "fenced"}, description, {{"description", description}}});
    registry.finish();
  }
  ~Fencing() override {
    if (NetworkHandle record{virNetworkLookupByName(host_.get(), registryName("fenced").c_str())})
      virNetworkUndefine(record.get());
  }
};

TEST_F(Fencing, TheRecordCarriesTheTokenOfItsLastWriter) {
  LibvirtDatacenter writer(settings());
  write(writer, 41, "first");
  NetworkHandle record(virNetworkLookupByName(host_.get(), registryName("fenced").c_str()));
  ASSERT_TRUE(record);
  std::string xml = networkDefinition(record.get());
  EXPECT_NE(xml.find("fenceIssuer=\"host\" fence=\"41\""), std::string::npos) << xml;
}

TEST_F(Fencing, AnEarlierHoldersLateWriteIsRefused) {
  LibvirtDatacenter paused(settings()), next(settings());
  Provider& late = paused.providerFor(Kind::VirtualDataCenter);
  ApplyIntent intent;
  intent.vdc = "fenced";
  intent.fence = FencingToken{"host", 5};
  late.prepare(intent);  // the first holder began, then paused past its lease
  write(next, 6, "the next holder's");
  late.create(Ownership{"fenced", {Kind::VirtualDataCenter, "fenced"}, "late", {{"description", "late"}}});
  try {
    late.finish();
    FAIL() << "a late write went over a later holder's record";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("written by a later holder of its lock (token host:6)"), std::string::npos)
        << e.what();
  }
  LibvirtDatacenter reader(settings());
  LiveState live = reader.read("fenced");
  ASSERT_TRUE(live.find({Kind::VirtualDataCenter, "fenced"}));
  EXPECT_EQ(live.find({Kind::VirtualDataCenter, "fenced"})->specHash, "the next holder's");
  // And a writer that comes in with an earlier token is refused before it writes anything.
  LibvirtDatacenter earlier(settings());
  EXPECT_THROW(write(earlier, 4, "earlier"), Error);
  // Tokens of another issuer (locks moved to etcd) are not compared.
  Provider& moved = earlier.providerFor(Kind::VirtualDataCenter);
  ApplyIntent etcd;
  etcd.vdc = "fenced";
  etcd.fence = FencingToken{"etcd", 2};
  EXPECT_NO_THROW(moved.prepare(etcd));
}

}  // namespace

}  // namespace vdc::libvirt
