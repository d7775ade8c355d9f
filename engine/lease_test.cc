#include "engine/lease.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace vdc {

namespace {

using namespace std::chrono_literals;

// A lease on a busy service: each renewal takes `took`.
class SlowLease : public RenewedLease {
 public:
  SlowLease(std::chrono::milliseconds duration, std::chrono::milliseconds took)
      : RenewedLease({"test", 1}, duration, Clock::now()), took_(took) {
    startRenewing();
  }
  ~SlowLease() override { stopRenewing(); }

 protected:
  bool renew() override {
    std::this_thread::sleep_for(took_);
    return true;
  }

 private:
  std::chrono::milliseconds took_;
};

}  // namespace

// Renewals are due a third of the lease after the last one began, not after
// it ended: one that takes nearly a third of the lease leaves the next as
// much room, and the lease (lost after four fifths without one) holds.
TEST(RenewedLease, RenewalsThatEachTakeNearlyAThirdOfTheLeaseKeepIt) {
  SlowLease lease(4000ms, 1200ms);
  while (lease.renewals().count < 3) {
    ASSERT_NO_THROW(lease.check()) << lease.renewals().count << " renewals so far";
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_NO_THROW(lease.check());
}

TEST(RenewedLease, ALeaseNotRenewedForFourFifthsIsLostAndSaysSo) {
  SlowLease lease(500ms, 2000ms);  // its first renewal never ends in time
  std::this_thread::sleep_for(450ms);
  try {
    lease.check();
    FAIL() << "a lease not renewed for 450 ms of 500 counted as held";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("was not renewed for"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("stopped before the next operation"), std::string::npos) << e.what();
  }
}

// A renewal that got through only after the lease had lapsed may have
// come after another writer found the lock expired and took it: the lease
// stays lost, it is not held again.
TEST(RenewedLease, ARenewalThatEndsAfterTheLeaseLapsedDoesNotRevive) {
  SlowLease lease(500ms, 700ms);  // the first renewal begins at 167 ms and ends at 867 ms
  std::string lost;
  for (auto until = std::chrono::steady_clock::now() + 30s; std::chrono::steady_clock::now() < until;) {
    try {
      lease.check();
    } catch (const Error& e) {
      lost = e.what();
      if (lost.find("was lost") != std::string::npos) break;
    }
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_NE(lost.find("was lost: a renewal ended"), std::string::npos) << lost;
  EXPECT_EQ(lease.renewals().count, 0);
  std::this_thread::sleep_for(1s);
  EXPECT_THROW(lease.check(), Error) << "held again after it was lost";
}

}  // namespace vdc
