#include "operations/applying.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "operations/session.h"

namespace vdc::operations {

ApplyReport execute(const Plan& plan, Datacenter& datacenter, const LiveState& live, const ApplyOptions& options) {
  ApplyReport report;
  try {
    report = apply(plan, datacenter, live, options);
  } catch (...) {
    datacenter.commit();  // keep what was done
    throw;
  }
  auto start = std::chrono::steady_clock::now();
  datacenter.commit();
  spdlog::debug("saved {} in {:.0f} ms", datacenter.describe(), millisecondsSince(start));
  return report;
}

}  // namespace vdc::operations
