// What `vdc watch` reports about itself: a JSON status file (specs/
// watch-status.schema.json), rewritten whole after every step, with
// conditions in the style of Kubernetes (a type, True/False, a reason, a
// message and when the status last changed).
#pragma once

#include <map>
#include <optional>
#include <string>

#include "engine/model.h"

namespace vdc::gitops {

struct Condition {
  bool status = false;
  std::string reason;
  std::string message;
  std::string lastTransitionTime;
};

class WatchStatus {
 public:
  WatchStatus(std::string repository, std::string branch, std::string path, std::string target);

  // Sets condition `type` (Fetched, Ready, Drifted, Suspended, Stalled); its
  // transition time moves only when its status does.
  void set(const std::string& type, bool status, const std::string& reason, const std::string& message);
  const Condition* condition(const std::string& type) const;

  std::optional<std::string> fetchedRevision;
  std::optional<std::string> appliedRevision;
  std::optional<std::string> attemptedRevision;
  Json lastPlan;                       // {revision, summary, changes: [addresses]}
  Json drift = Json::array();          // addresses that differ from the applied revision
  Json notPruned = Json::array();      // addresses removed from the repository and kept (--no-prune)
  Json lastError;                      // {revision, stage, message, retryable, time}
  int consecutiveFailures = 0;
  double nextAttemptSeconds = 0;
  Json timings = Json::object();       // {fetchSeconds, planSeconds, applySeconds}

  Json toJson() const;
  // Written to a file of its own, then renamed over `file`: a reader never sees half.
  void write(const std::string& file) const;

 private:
  std::string repository_, branch_, path_, target_;
  std::map<std::string, Condition> conditions_;
};

}  // namespace vdc::gitops
