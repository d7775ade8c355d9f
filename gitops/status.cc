#include "gitops/status.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "base/safe_file.h"
#include "engine/units.h"

namespace vdc::gitops {

WatchStatus::WatchStatus(std::string repository, std::string branch, std::string path, std::string target)
    : repository_(std::move(repository)), branch_(std::move(branch)), path_(std::move(path)),
      target_(std::move(target)) {}

void WatchStatus::set(const std::string& type, bool status, const std::string& reason, const std::string& message) {
  auto [it, fresh] = conditions_.try_emplace(type);
  Condition& c = it->second;
  if (fresh || c.status != status) c.lastTransitionTime = utcNow();
  c.status = status;
  c.reason = reason;
  c.message = message;
}

const Condition* WatchStatus::condition(const std::string& type) const {
  auto it = conditions_.find(type);
  return it == conditions_.end() ? nullptr : &it->second;
}

Json WatchStatus::toJson() const {
  auto optional = [](const std::optional<std::string>& value) { return value ? Json(*value) : Json(); };
  Json conditions = Json::array();
  for (const auto& [type, c] : conditions_)
    conditions.push_back({{"type", type},
                          {"status", c.status ? "True" : "False"},
                          {"reason", c.reason},
                          {"message", c.message},
                          {"lastTransitionTime", c.lastTransitionTime}});
  return {{"repository", repository_},
          {"branch", branch_},
          {"path", path_},
          {"target", target_},
          {"updatedAt", utcNow()},
          {"fetchedRevision", optional(fetchedRevision)},
          {"appliedRevision", optional(appliedRevision)},
          {"attemptedRevision", optional(attemptedRevision)},
          {"lastPlan", lastPlan},
          {"drift", drift},
          {"notPruned", notPruned},
          {"lastError", lastError},
          {"consecutiveFailures", consecutiveFailures},
          {"nextAttemptSeconds", nextAttemptSeconds},
          {"timings", timings},
          {"conditions", conditions}};
}

// Whole or not at all, under a name of its own first: never through a link.
void WatchStatus::write(const std::string& file) const { replaceFile(file, toJson().dump(2) + "\n"); }

}  // namespace vdc::gitops
