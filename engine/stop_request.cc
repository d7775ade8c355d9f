#include "engine/stop_request.h"

#include "base/error.h"

namespace vdc {

std::atomic<bool>& stopRequest() {
  static std::atomic<bool> requested{false};
  static_assert(std::atomic<bool>::is_always_lock_free);
  return requested;
}

namespace {

std::atomic<int> finishing{0};

}  // namespace

bool longStepsStop() { return stopRequest().load(std::memory_order_relaxed) && finishing.load() == 0; }

void throwIfStopRequested(const std::string& what) {
  if (longStepsStop()) throw Error("interrupted while " + what);
}

LongStepsFinish::LongStepsFinish() { ++finishing; }
LongStepsFinish::~LongStepsFinish() { --finishing; }

}  // namespace vdc
