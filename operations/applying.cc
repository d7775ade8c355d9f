#include "operations/applying.h"

#include <chrono>

#include <spdlog/spdlog.h>

#include "engine/atomic.h"
#include "engine/policy.h"
#include "operations/failure.h"
#include "operations/session.h"

namespace vdc::operations {

ApplyOptions applyOptions(const Prepared& prepared, const ApplyChoices& choices) {
  ApplyOptions options;
  options.parallelism = choices.parallelism;
  options.interrupted = choices.interrupted;
  options.observer = choices.observer;
  options.files = prepared.files;
  options.shutdownTimeout = choices.shutdownTimeout;
  options.lease = prepared.lease.get();
  options.atomic = choices.atomic;
  options.allowIrreversible = choices.allowIrreversible;
  return options;
}

std::string refusals(const Plan& plan, const ApplyOptions& options) {
  std::vector<std::string> found = protectedChanges(plan);
  if (options.atomic && !options.allowIrreversible)
    for (auto& line : irreversibleChanges(plan)) found.push_back(std::move(line));
  std::string text;
  for (const auto& line : found) text += (text.empty() ? "" : "\n") + line;
  return text;
}

ApplyReport execute(const Plan& plan, Datacenter& datacenter, const LiveState& live, const ApplyOptions& options) {
  // Every apply comes this way: a protected resource goes only when the
  // plan says it may, and an atomic apply begins only when it can undo all.
  if (std::string refused = refusals(plan, options); !refused.empty())
    throw Failure(FailureKind::Refused, refused + "\nnothing was changed.");
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
