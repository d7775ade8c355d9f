// One served VDC: its revision source (git or a directory), its watch
// controller (operations/watch_controller.h, the same loop as `vdc watch`)
// on a thread of its own, and what the API shows of it: the status as last
// written, the history of its reconciles, and events as they happen. A VDC
// that fails or cannot be reached never stops the others: each has its
// thread, and nothing escapes it.
#pragma once

#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "engine/model.h"
#include "gitops/revision_source.h"
#include "operations/watch_controller.h"
#include "serve/config.h"
#include "serve/events.h"
#include "serve/shared_source.h"

namespace vdc::serve {

// A revision the controller would not apply: why, file by file.
struct RefusedRevision : Error {
  using Error::Error;
};

class VdcRunner {
 public:
  // Events of this VDC (its status, its reconciles, each operation of its
  // applies) go to `events`.
  VdcRunner(ServedVdc spec, const ServeConfig& config, EventBus& events);
  ~VdcRunner();

  void start();
  // Asks the loop to stop, then waits for the apply in flight.
  void stop();

  const ServedVdc& spec() const { return spec_; }
  // {name, source, reconciling, conditions, status}: `status` is the watch
  // status as last written (specs/watch-status.schema.json; null before the
  // first), `conditions` its conditions and Reconciling.
  Json summary() const;
  // The revision in force as last published ("" before the first apply).
  std::string appliedRevision() const;
  // The last reconciles, newest first: {time, event, revision, message, summary, trigger}.
  // Its texts, as the status's and the events', name no file of the server's
  // (withoutServerPaths); the log has them whole.
  Json history() const;

  // Operator actions; `who` is recorded with what they trigger.
  void syncNow(const std::string& who);
  void suspend(const std::string& who);
  void resume(const std::string& who);

  // The directory of this VDC's cache, status and kept plans.
  std::string home() const;
  // Its Target file: the configuration's, or the embedded datacenter the
  // served VDCs share; none when the Target is in the repository (targetPath).
  const std::optional<std::string>& target() const { return target_; }

  // Writes `revision` of the VDC's source into `into` (made fresh), as the
  // controller writes a revision it applies, and checks it by the
  // controller's rules: throws Error when the source does not hold it (a
  // git commit not fetched, a directory's earlier content), UnsafeTree for
  // a tree that may not be written and RefusedRevision for one the
  // controller would refuse (operations/revision_rules.h).
  operations::CheckedRevision checkout(const std::string& revision, const std::string& into);

  // Every text in `value` with a revision's files named by their place in
  // the repository, and the server's other files (its state directory, a
  // followed directory, a Target) by their place in their directory.
  Json withoutServerPaths(Json value) const;

 private:
  void record(const Json& event);

  ServedVdc spec_;
  std::string home_;
  std::optional<std::string> target_;
  EventBus& events_;
  std::vector<std::string> homes_, serverDirectories_;  // what withoutServerPaths takes out, as given and absolute
  ApplyEvents progress_;
  std::unique_ptr<SharedSource> source_;
  std::unique_ptr<operations::WatchController> controller_;
  operations::WatchControl control_;
  std::thread thread_;

  mutable std::mutex mutex_;
  Json status_ = Json::object();
  std::deque<Json> history_;
  std::string pendingTrigger_ = "interval";
  bool reconciling_ = false;
};

}  // namespace vdc::serve
