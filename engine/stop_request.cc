#include "engine/stop_request.h"

#include "engine/error.h"

namespace vdc {

std::atomic<bool>& stopRequest() {
  static std::atomic<bool> requested{false};
  static_assert(std::atomic<bool>::is_always_lock_free);
  return requested;
}

void throwIfStopRequested(const std::string& what) {
  if (stopRequest().load(std::memory_order_relaxed)) throw Error("interrupted while " + what);
}

}  // namespace vdc
