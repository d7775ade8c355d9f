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

}  // namespace
}  // namespace vdc::libvirt
