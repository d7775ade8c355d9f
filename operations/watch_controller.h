// The controller of a watched VDC (docs/gitops.md), as `vdc watch` runs it
// and a server would run one per VDC. Each reconcile is level-triggered:
// fetch the followed branch; apply a new revision that validates and plans,
// or else keep the last good one in force; between commits, compare the
// datacenter with the revision in force and correct drift when asked to.
// Every outcome goes to the status (gitops/status.h) and to the notifier.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/apply.h"
#include "engine/model.h"
#include "engine/provider.h"
#include "engine/replicas.h"
#include "gitops/revision_source.h"
#include "gitops/status.h"
#include "operations/applying.h"
#include "operations/revision_rules.h"

namespace vdc::operations {

struct WatchOptions {
  std::string repository;  // as shown: a URL without its user-info, or a path
  std::string branch = "main";
  std::optional<std::string> target;  // a Target file here (or rules.targetPath, one in the repository)
  // Its directory in the repository, its Target there, the hosts that Target
  // may name, and the VDC this watch keeps (a served VDC's name; vdc watch
  // --vdc; "": the one the first revision it puts in force declares, from then on).
  RevisionRules rules;
  std::string cache;       // default: .vdc/watch/ID (completeWatchOptions, watch_setup.h)
  std::string statusFile;  // default: CACHE/status.json
  std::chrono::seconds interval{60};
  bool heal = false;
  bool prune = true;
  // How each commit is applied: its parallelism, whether atomically (a
  // failing one is undone, so the last good revision stays wholly in
  // force), and who is told of each operation (a server's event stream).
  ApplyChoices apply;
  // Set when several replicas run for the same VDCs (engine/replicas.h):
  // this one reconciles only the VDCs it owns, and stands by for the rest.
  std::shared_ptr<Replicas> replicas;
};

// Told of each event (applied, healed, pruned, drift, failed, suspended,
// resumed) as a JSON object; a failure of its own is its own to log.
using Notifier = std::function<void(const Json& event)>;
// Runs `command` through the shell with each event as one line of JSON on stdin.
Notifier commandNotifier(const std::string& command);

// Stop, suspend and sync requests, set from signal handlers or other threads.
struct WatchControl {
  std::atomic<bool> stop{false};
  std::atomic<int> suspension{0};  // 1: suspend, 2: resume; taken by the loop
  std::atomic<bool> syncNow{false};  // step at once instead of at the end of the interval
};

class WatchController {
 public:
  // `open` opens the target afresh for each reconcile: what another process
  // did to it in between (an embedded datacenter's file) is seen. It is
  // given the revision's Target file with targetPath, none without.
  using Opener = std::function<DatacenterPtr(const std::optional<std::string>& revisionTarget)>;
  WatchController(WatchOptions options, gitops::RevisionSource& source, Opener open, Notifier notify = {});

  // One step: suspended (by `suspendedByRequest` or the file CACHE/suspend)
  // or one fetch and reconcile; then the status is written. False when a
  // step failed (in the status).
  bool step(bool suspendedByRequest = false);
  // Steps until `control.stop`, waiting the interval between (sooner after
  // failures), waking for stop, suspension and sync requests. A stop waits
  // for the apply in flight.
  void run(WatchControl& control);

  // One fetch and reconcile; false when a step failed.
  bool reconcile();
  // Records a change of suspension in the status, and notifies it. A
  // resumed watch tries again what stalled.
  void setSuspended(bool suspended);
  // What stalled (failed in a way that trying again as it is would not
  // mend) is tried again at the next reconcile: a sync request.
  void retryStalled();
  // How long to wait before the next reconcile: the interval, or sooner
  // after a failure that may pass as it is (doubling from min(interval, 5s)).
  std::chrono::seconds nextDelay() const;
  const gitops::WatchStatus& status() const { return status_; }
  const WatchOptions& options() const { return options_; }
  // The rules each revision meets, the VDC bound so far included.
  RevisionRules rules() const;
  void writeStatus() const;
  // Called with the status each time it is written (from the loop's thread).
  void onStatus(std::function<void(const gitops::WatchStatus&)> observer) { statusObserver_ = std::move(observer); }

 private:
  struct Loaded;
  struct Attempt;
  // Why a reconcile stopped: at which stage, why, and whether trying again
  // as it is may pass (else the revision stalls until a change).
  struct Setback : Error {
    Setback(std::string stage, const std::string& message, bool retryable, bool rolledBack = false)
        : Error(message), stage(std::move(stage)), retryable(retryable), rolledBack(rolledBack) {}
    std::string stage;  // fetch, validate, replicas, lock, plan, apply
    bool retryable;
    bool rolledBack;  // an atomic apply undid what it did: the target is as before it
  };
  // A revision that stalled, and whether an apply of it changed the target
  // (then nothing is done for an older one, which would undo part of it).
  struct Stall {
    Setback setback;
    bool partlyApplied;
  };

  // The steps of a reconcile, in order; each throws a Setback when it cannot go on.
  std::string fetchHead();
  std::optional<Loaded> chooseRevision(const std::string& head, bool& ok);
  std::optional<Loaded> checkout(const std::string& revision, std::string& problems);
  bool reconcileRevision(Loaded& wanted, bool isHead);
  bool ownsVdc(Attempt& attempt);
  void lock(Attempt& attempt);
  void plan(Attempt& attempt);
  Plan planRecording(Attempt& attempt, const std::string& recorded);
  bool onlyReportsDrift(Attempt& attempt);
  void applyPlan(Attempt& attempt);
  void recordRevision(Attempt& attempt);
  void settle(Attempt& attempt);

  bool fail(const std::string& revision, const Setback& setback);
  void succeed();
  void showStalls(const std::string& head);
  // Remembers (in the cache) the revision now in force, and binds the
  // source to its VDC if it was not yet.
  void keepInForce(const std::string& revision, const std::string& vdc);
  void notify(const std::string& event, const std::string& revision, const std::string& message,
              const Json& summary = Json());
  std::string revisionDirectory(const std::string& revision) const;

  WatchOptions options_;
  gitops::RevisionSource& source_;
  Opener open_;
  Notifier notify_;
  gitops::WatchStatus status_;
  // Revisions (the head, the one in force) that failed in a way only a
  // change mends, by revision: not tried again until a new commit, a sync
  // request or a resumption.
  std::map<std::string, Stall> stalled_;
  bool retrySoon_ = false;  // the last failure may pass as it is: back off, then try again
  std::string goodRevision_;  // the last revision applied by this process or found in force
  std::string boundVdc_;      // the VDC this source keeps: options_.rules.vdc, or the first one put in force
  bool suspended_ = false;
  bool standby_ = false;  // another replica owns the VDC
  std::function<void(const gitops::WatchStatus&)> statusObserver_;
};

}  // namespace vdc::operations
