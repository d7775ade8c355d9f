// The libvirt error family, on libvirt's own test driver: a failing call's
// code travels with its Error, and a lookup tells "no such object" from
// every other failure.
#include "providers/libvirt/api/handles.h"

#include <gtest/gtest.h>

namespace vdc::libvirt {
namespace {

class Handles : public ::testing::Test {
 protected:
  void SetUp() override {
    quietLibvirtErrors();
    connection.reset(virConnectOpen("test:///default"));
    ASSERT_TRUE(connection);
  }
  ConnectionHandle connection;
};

TEST_F(Handles, ALookupOfNoSuchObjectIsNullAndAnyOtherFailureAnErrorWithItsCode) {
  EXPECT_FALSE(lookupOrNull<DomainHandle>(virDomainLookupByName(connection.get(), "nothing"), "domain nothing"));
  EXPECT_FALSE(lookupOrNull<NetworkHandle>(virNetworkLookupByName(connection.get(), "nothing"), "network nothing"));
  EXPECT_TRUE(lookupOrNull<DomainHandle>(virDomainLookupByName(connection.get(), "test"), "domain test"));
  try {
    // The test driver keeps no network filters: not "none of that name", a failure.
    lookupOrNull<FilterHandle>(virNWFilterLookupByName(connection.get(), "nothing"), "network filter nothing");
    FAIL() << "a lookup the driver cannot do was taken for no such object";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), VIR_ERR_NO_SUPPORT);
    EXPECT_FALSE(e.transient());
    EXPECT_EQ(std::string(e.what()).rfind("cannot look up network filter nothing: ", 0), 0u) << e.what();
  }
}

// The code is the failing call's, read at once: later calls, which reset
// libvirt's error of the thread, do not change what the Error says.
TEST_F(Handles, AnErrorKeepsTheCodeOfTheCallThatFailed) {
  ASSERT_FALSE(virDomainLookupByName(connection.get(), "nothing"));
  Error missing = libvirtError("cannot find domain nothing");
  DomainHandle found(virDomainLookupByName(connection.get(), "test"));
  ASSERT_TRUE(found);
  EXPECT_FALSE(lastErrorIsNotFound()) << "the later call left the thread's error as it was";
  EXPECT_TRUE(isNotFound(missing.code()));
  EXPECT_FALSE(missing.transient());
  EXPECT_FALSE(isNotFound(VIR_ERR_NO_SUPPORT));
}

// A retry may help when the daemon or the connection failed, not the call.
TEST(LibvirtErrors, OnlyALostDaemonOrConnectionIsWorthARetry) {
  EXPECT_TRUE(isTransient(VIR_ERR_OPERATION_TIMEOUT, VIR_FROM_QEMU));
  EXPECT_TRUE(isTransient(VIR_ERR_NO_CONNECT, VIR_FROM_NONE));
  EXPECT_TRUE(isTransient(VIR_ERR_SYSTEM_ERROR, VIR_FROM_RPC));     // the socket went away
  EXPECT_TRUE(isTransient(VIR_ERR_INTERNAL_ERROR, VIR_FROM_RPC));   // "client socket is closed"
  EXPECT_FALSE(isTransient(VIR_ERR_SYSTEM_ERROR, VIR_FROM_STORAGE));  // no space, no access
  EXPECT_FALSE(isTransient(VIR_ERR_INTERNAL_ERROR, VIR_FROM_QEMU));
  EXPECT_FALSE(isTransient(VIR_ERR_NO_DOMAIN, VIR_FROM_DOMAIN));
  EXPECT_FALSE(isTransient(VIR_ERR_AUTH_UNAVAILABLE, VIR_FROM_AUTH));  // a configuration to mend
}

}  // namespace
}  // namespace vdc::libvirt
