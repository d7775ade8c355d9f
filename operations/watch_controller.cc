#include "operations/watch_controller.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <spdlog/spdlog.h>

#include "engine/hash.h"
#include "engine/loader.h"
#include "engine/render.h"
#include "base/safe_file.h"
#include "base/text.h"
#include "engine/units.h"
#include "gitops/repository.h"
#include "operations/applying.h"
#include "operations/failure.h"
#include "operations/planning.h"
#include "operations/session.h"
#include "providers/targets/target.h"

namespace vdc::operations {

namespace fs = std::filesystem;

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string shortRevision(const std::string& revision) { return revision.substr(0, 12); }

// The VDC's record will say `revision` ("": nothing).
void stamp(Vdc& vdc, const std::string& revision) {
  for (auto& r : vdc.resources) {
    if (r.id.kind != Kind::VirtualDataCenter) continue;
    if (revision.empty()) r.spec.erase(kRevisionField);
    else r.spec[kRevisionField] = revision;
    r.specHash = canonicalHash(r.spec);
  }
}

// "create Network/back", one per change.
Json changeList(const Plan& plan) {
  Json out = Json::array();
  for (const auto& c : plan.changes) out.push_back(std::string(actionName(c.action)) + " " + c.id.str());
  return out;
}

Json summaryJson(const Summary& s) {
  return {{"create", s.create}, {"update", s.update}, {"replace", s.replace}, {"delete", s.remove},
          {"adopt", s.adopt},   {"rename", s.rename}, {"unchanged", s.unchanged}};
}

}  // namespace

struct WatchController::Loaded : CheckedRevision {
  std::string revision;
};

namespace {

std::string describeTarget(const WatchOptions& options) {
  if (!options.rules.targetPath.empty()) return options.rules.targetPath + " in the repository";
  return options.target.value_or("embedded datacenter");
}

}  // namespace

WatchController::WatchController(WatchOptions options, gitops::RevisionSource& source, Opener open, Notifier notify)
    : options_(std::move(options)), source_(source), open_(std::move(open)), notify_(std::move(notify)),
      status_(options_.repository, options_.branch, options_.rules.path, describeTarget(options_)) {
  // What an earlier run put in force is watched even while the head is bad.
  std::ifstream in(fs::path(options_.cache) / "in-force");
  std::getline(in, goodRevision_);
  // Only a commit id names a directory under the cache.
  if (!gitops::isCommitId(goodRevision_)) goodRevision_.clear();
  boundVdc_ = options_.rules.vdc;
  if (boundVdc_.empty()) {
    std::ifstream bound(fs::path(options_.cache) / "vdc");
    std::getline(bound, boundVdc_);
    if (!isDnsLabel(boundVdc_)) boundVdc_.clear();
  }
}

RevisionRules WatchController::rules() const {
  RevisionRules bound = options_.rules;
  bound.vdc = boundVdc_;
  return bound;
}

void WatchController::keepInForce(const std::string& revision, const std::string& vdc) {
  if (boundVdc_.empty()) {
    boundVdc_ = vdc;
    replaceFile((fs::path(options_.cache) / "vdc").string(), vdc + "\n");
  }
  if (revision == goodRevision_) return;
  goodRevision_ = revision;
  replaceFile((fs::path(options_.cache) / "in-force").string(), revision + "\n");
}

std::string WatchController::revisionDirectory(const std::string& revision) const {
  return (fs::path(options_.cache) / "revisions" / revision).string();
}

// The VDC at `revision` (and its Target, with --target-path), written from
// the git tree and loaded; none, with every problem in `problems`, when it
// does not validate. The whole tree is written: a Target's relative paths
// reach the rest of the repository. A revision never changes, so its tree
// is written once (whole, or not at all) and read again on later intervals.
// Throws when the cache cannot give the revision, which is no fault of the
// commit's.
std::optional<WatchController::Loaded> WatchController::checkout(const std::string& revision, std::string& problems) {
  std::string root = revisionDirectory(revision);
  if (!fs::is_directory(root)) {
    std::string partial = root + ".partial";
    try {
      for (const auto& left : source_.writeTree(revision, ".", partial, options_.rules.path))
        spdlog::warn("commit {}: left out {}: links and submodules are not part of a revision", shortRevision(revision), left);
    } catch (const gitops::UnsafeTree& e) {
      problems = e.what();
      return std::nullopt;
    }
    fs::rename(partial, root);
  }
  auto checked = checkRevision(root, revision, rules(), problems);
  if (!checked) return std::nullopt;
  Loaded loaded{std::move(*checked), revision};
  // Only the revisions in use stay in the cache.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(options_.cache) / "revisions", ec)) {
    std::string name = entry.path().filename().string();
    if (name != revision && name != goodRevision_) fs::remove_all(entry.path(), ec);
  }
  return loaded;
}

// One reconcile of one revision, as its steps hand it on: its target
// opened and locked, read and planned.
struct WatchController::Attempt {
  Loaded& wanted;
  bool isHead;
  const char* stage = "plan";  // what a failure is a failure of: "apply" once an apply begins
  Prepared prepared;
  std::string recorded;      // the revision the target records ("": none)
  bool newRevision = false;  // the target does not record this revision yet
};

bool WatchController::reconcile() {
  std::string head;
  try {
    head = fetchHead();
    bool ok = true;
    std::optional<Loaded> wanted = chooseRevision(head, ok);
    if (wanted) ok = reconcileRevision(*wanted, wanted->revision == head) && ok;
    showStalls(head);
    return ok;
  } catch (const Setback& setback) {
    fail(head, setback);
    if (!head.empty()) showStalls(head);
    return false;
  }
}

// Fetches the branch; where its head is.
std::string WatchController::fetchHead() {
  auto start = std::chrono::steady_clock::now();
  std::string head;
  try {
    source_.fetch();
    head = source_.head(options_.branch);
  } catch (const std::exception& e) {
    // A remote out of reach, a branch not there yet: the revision in force stays, and the fetch is tried again.
    status_.set("Fetched", false, "FetchFailed", e.what());
    throw Setback("fetch", e.what(), true);
  }
  status_.timings["fetchSeconds"] = secondsSince(start);
  status_.fetchedRevision = head;
  status_.set("Fetched", true, "Fetched", options_.branch + " is at " + head);
  return head;
}

// The revision to reconcile: the head, unless it stalled; else the last
// good one, still watched for drift, when the head stalled before it
// changed anything (it does not validate, its plan failed). `ok` turns
// false when the head does not validate.
std::optional<WatchController::Loaded> WatchController::chooseRevision(const std::string& head, bool& ok) {
  // A stall lasts while its revision is the head or in force.
  std::erase_if(stalled_, [&](const auto& entry) { return entry.first != head && entry.first != goodRevision_; });
  std::optional<Loaded> wanted;
  try {
    if (!stalled_.contains(head)) {
      std::string problems;
      wanted = checkout(head, problems);
      if (!wanted) ok = fail(head, Setback("validate", problems, false));
    }
    auto headStall = stalled_.find(head);
    bool headChangedNothing = headStall == stalled_.end() || !headStall->second.partlyApplied;
    if (!wanted && headChangedNothing && !goodRevision_.empty() && !stalled_.contains(goodRevision_)) {
      std::string problems;
      wanted = checkout(goodRevision_, problems);
    }
  } catch (const Setback&) {
    throw;
  } catch (const std::exception& e) {  // the cache cannot give the revision: no fault of the commit's
    throw Setback("fetch", e.what(), true);
  }
  return wanted;
}

bool WatchController::reconcileRevision(Loaded& wanted, bool isHead) {
  Attempt attempt{wanted, isHead};
  try {
    attempt.prepared.datacenter = open_(wanted.target);
    if (!ownsVdc(attempt)) {
      succeed();
      return true;
    }
    lock(attempt);
    plan(attempt);
    if (onlyReportsDrift(attempt)) {
      succeed();
      return true;
    }
    applyPlan(attempt);
    recordRevision(attempt);
    settle(attempt);
    succeed();
    return true;
  } catch (const Setback& setback) {
    return fail(wanted.revision, setback);
  } catch (const std::exception& e) {
    return fail(wanted.revision, Setback(attempt.stage, e.what(), retryable(e)));
  }
}

// With replicas, whether this one owns the VDC; a standby leaves it to the owner.
bool WatchController::ownsVdc(Attempt& attempt) {
  if (!options_.replicas) return true;
  const std::string& vdc = attempt.wanted.vdc.name;
  std::string owner, self = options_.replicas->self();
  try {
    owner = options_.replicas->ownerOf(vdc);
  } catch (const std::exception& e) {  // etcd out of reach: nobody can say, so nothing is done
    throw Setback("replicas", e.what(), true);
  }
  standby_ = owner != self;
  status_.set("Reconciling", !standby_, standby_ ? "Standby" : "Owner",
              "replica " + owner + " reconciles VDC " + vdc + (standby_ ? "" : " (this one)"));
  return !standby_;
}

void WatchController::lock(Attempt& attempt) {
  try {
    attempt.prepared.lease =
        lockVdc(*attempt.prepared.datacenter, attempt.wanted.vdc.name, "vdc watch " + options_.repository);
  } catch (const std::exception& e) {  // held by another writer, or the lock cannot be reached
    throw Setback("lock", e.what(), retryable(e));
  }
}

// Reads the datacenter and plans the revision against it. The revision is
// recorded only once all of it is applied (recordRevision): this plan keeps
// the record's. Without --prune, what the repository dropped stays (and is
// reported).
void WatchController::plan(Attempt& attempt) {
  auto start = std::chrono::steady_clock::now();
  Vdc& vdc = attempt.wanted.vdc;
  Prepared& prepared = attempt.prepared;
  prepared.live = readLive(*prepared.datacenter, vdc.name);
  attempt.recorded = recordedRevision(prepared.live, vdc.name);
  if (attempt.recorded.empty()) status_.appliedRevision.reset();
  else status_.appliedRevision = attempt.recorded;
  attempt.newRevision = attempt.recorded != attempt.wanted.revision;
  // A repository's manifests name host files only inside their own directory.
  prepared.files = hostFileRule(vdc, attempt.wanted.target ? attempt.wanted.target : options_.target, true);
  prepared.plan = planRecording(attempt, attempt.recorded);
  status_.timings["planSeconds"] = secondsSince(start);
  status_.lastPlan = {{"revision", attempt.wanted.revision},
                      {"summary", summaryJson(prepared.plan.summary())},
                      {"changes", changeList(prepared.plan)}};
}

// The plan of the attempt's revision with the VDC's record saying `recorded`.
Plan WatchController::planRecording(Attempt& attempt, const std::string& recorded) {
  stamp(attempt.wanted.vdc, recorded);
  const Prepared& prepared = attempt.prepared;
  Planning planning = makePlan(attempt.wanted.vdc, prepared.live, *prepared.datacenter, false, prepared.files);
  // The same revision on the same target plans the same way: only a change mends it.
  if (!planning.problems.empty()) throw Setback("plan", planning.problems.str(), false);
  for (const auto& warning : planning.warnings) spdlog::warn("{}", warning);
  Plan plan = std::move(planning.plan);
  status_.notPruned = Json::array();
  if (!options_.prune)
    std::erase_if(plan.changes, [&](const Change& c) {
      if (c.action == Action::Delete) status_.notPruned.push_back(c.id.str());
      return c.action == Action::Delete;
    });
  return plan;
}

// Between commits, what differs from the revision in force is drift: told,
// and left to apply only with --heal (what the revision no longer has is
// pruned all the same). True when that leaves nothing to do.
bool WatchController::onlyReportsDrift(Attempt& attempt) {
  Plan& plan = attempt.prepared.plan;
  if (attempt.newRevision || plan.empty()) return false;
  const std::string& revision = attempt.wanted.revision;
  Plan drifted = plan;
  std::erase_if(drifted.changes, [](const Change& c) { return c.action == Action::Delete; });
  Json drift = changeList(drifted);
  bool changed = drift != status_.drift;
  status_.drift = drift;
  status_.set("Drifted", !drifted.empty(), drifted.empty() ? "InSync" : "DriftDetected",
              std::to_string(drifted.changes.size()) + " resources differ from " + revision);
  if (options_.heal) return false;
  if (changed && !drifted.empty())
    notify("drift", revision, renderSummary(drifted.summary()), summaryJson(drifted.summary()));
  std::erase_if(plan.changes, [](const Change& c) { return c.action != Action::Delete; });
  if (!plan.empty()) return false;
  keepInForce(revision, attempt.wanted.vdc.name);
  status_.set("Ready", true, "Applied", revision + " is applied; drift is reported (--heal corrects it)");
  return true;
}

void WatchController::applyPlan(Attempt& attempt) {
  const Prepared& prepared = attempt.prepared;
  const Plan& plan = prepared.plan;
  if (plan.empty()) return;
  const std::string& revision = attempt.wanted.revision;
  // A stop request waits for the whole apply: what SIGTERM interrupts is the waiting.
  ApplyOptions options = applyOptions(prepared, options_.apply);
  // Of what it would apply (not drift it only reports), a watch lifts no
  // protection (a commit that drops `protect` comes first) and, atomic,
  // begins nothing it could not undo: the commit fails at its plan.
  if (std::string refused = refusals(plan, options); !refused.empty()) throw Setback("plan", refused, false);
  status_.attemptedRevision = revision;
  attempt.stage = "apply";
  spdlog::info("applying {} ({})", shortRevision(revision), renderSummary(plan.summary()));
  auto start = std::chrono::steady_clock::now();
  ApplyReport report = execute(plan, *prepared.datacenter, prepared.live, options);
  status_.timings["applySeconds"] = secondsSince(start);
  if (report.ok()) return;
  std::string errors;
  for (const auto& o : report.outcomes)
    if (o.status == Status::Failed) errors += "\n" + o.id.str() + ": " + o.error;
  if (!report.leaseLost.empty()) errors += "\n" + report.leaseLost;
  const std::string& recorded = attempt.recorded;
  if (report.rolledBack)
    throw Setback("apply",
                  "the apply failed and was rolled back: " + (recorded.empty() ? "nothing" : recorded) +
                      " stays wholly in force" + errors,
                  report.transient(), true);
  throw Setback("apply",
                std::to_string(report.count(Status::Done)) + " of " + std::to_string(report.outcomes.size()) +
                    " operations done, the rest not: the datacenter is partly at " + revision +
                    (recorded.empty() ? "" : " and still records " + recorded) + errors,
                report.transient());
}

// All of a new revision is there: now the record says so.
void WatchController::recordRevision(Attempt& attempt) {
  if (!attempt.newRevision) return;
  attempt.stage = "apply";
  Prepared& prepared = attempt.prepared;
  prepared.live = readLive(*prepared.datacenter, attempt.wanted.vdc.name);
  Plan record = planRecording(attempt, attempt.wanted.revision);
  ApplyReport stamped = execute(record, *prepared.datacenter, prepared.live, applyOptions(prepared, {}));
  if (!stamped.ok())
    throw Setback("apply", "the revision could not be recorded on the target", stamped.transient());
}

// The revision is in force: the status and the notifier say so.
void WatchController::settle(Attempt& attempt) {
  const std::string& revision = attempt.wanted.revision;
  status_.appliedRevision = revision;
  keepInForce(revision, attempt.wanted.vdc.name);
  bool everything = attempt.newRevision || options_.heal;  // else only what was pruned
  if (everything) {
    status_.drift = Json::array();
    status_.set("Drifted", false, "InSync", "the datacenter matches " + revision);
  }
  status_.set("Ready", true, "Applied", revision + " is applied" + (attempt.isHead ? "" : " (the head is not)"));
  const Plan& plan = attempt.prepared.plan;
  const char* event = attempt.newRevision ? "applied" : everything ? "healed" : "pruned";
  if (attempt.newRevision || !plan.empty()) notify(event, revision, renderSummary(plan.summary()), summaryJson(plan.summary()));
}

bool WatchController::fail(const std::string& revision, const Setback& setback) {
  ++status_.consecutiveFailures;
  retrySoon_ = setback.retryable;
  const std::string& stage = setback.stage;
  std::string message = setback.message() + (setback.retryable ? "; retried" : "");
  status_.lastError = {{"revision", revision.empty() ? Json() : Json(revision)},
                       {"stage", stage},
                       {"message", message},
                       {"retryable", setback.retryable},
                       {"time", utcNow()}};
  if (stage != "fetch") status_.set("Ready", false, "Failed", stage + " of " + revision + " failed");
  // Tried again as it is, it would fail again: it waits for a change. An
  // apply of it begun in this process and not rolled back changed the target.
  if (!setback.retryable && !revision.empty())
    stalled_.insert_or_assign(revision, Stall{setback, status_.attemptedRevision == revision && !setback.rolledBack});
  status_.nextAttemptSeconds = static_cast<double>(nextDelay().count());
  spdlog::error("{}{} failed: {}", stage, revision.empty() ? "" : " of " + shortRevision(revision), message);
  notify("failed", revision, stage + ": " + message);
  return false;
}

// The Stalled condition: the head (or the revision in force) failed in a
// way only a change mends, and waits for one.
void WatchController::showStalls(const std::string& head) {
  static const std::map<std::string, std::string> kReasons = {
      {"validate", "InvalidRevision"}, {"plan", "PlanFailed"}, {"apply", "ApplyFailed"}, {"lock", "LockFailed"}};
  auto stall = stalled_.find(head);
  if (stall == stalled_.end()) stall = stalled_.find(goodRevision_);
  if (stall == stalled_.end()) {
    status_.set("Stalled", false, "Progressing", head.empty() ? "nothing has stalled" : "commit " + head + " is followed");
    return;
  }
  const auto& [revision, stalled] = *stall;
  const Setback& setback = stalled.setback;
  auto reason = kReasons.find(setback.stage);
  std::string inForce = stalled.partlyApplied       ? "the watch waits (the datacenter is partly at it)"
                        : goodRevision_.empty()     ? "nothing is applied yet"
                        : goodRevision_ == revision ? "the watch waits"
                                                    : goodRevision_ + " stays in force";
  status_.set("Stalled", true, reason == kReasons.end() ? "Failed" : reason->second,
              "commit " + revision + (setback.stage == "validate" ? " does not validate" : ": its " + setback.stage + " failed") +
                  ", and trying it again as it is would not help; a new commit or a sync request tries again; " + inForce);
}

void WatchController::retryStalled() {
  if (!stalled_.empty()) spdlog::info("trying again what stalled");
  stalled_.clear();
}

void WatchController::succeed() {
  status_.consecutiveFailures = 0;
  retrySoon_ = false;
  status_.nextAttemptSeconds = static_cast<double>(nextDelay().count());
}

void WatchController::setSuspended(bool suspended) {
  if (suspended == suspended_) return;
  suspended_ = suspended;
  // What stalled may have been mended by hand meanwhile.
  if (!suspended) retryStalled();
  status_.set("Suspended", suspended, suspended ? "Suspended" : "Resumed",
              suspended ? "nothing is fetched or applied until resumed" : "watching");
  notify(suspended ? "suspended" : "resumed", status_.appliedRevision.value_or(""), "");
}

std::chrono::seconds WatchController::nextDelay() const {
  // A standby replica looks often enough to take over within a lease.
  if (standby_ && options_.replicas) return std::min(options_.interval, options_.replicas->lookEvery());
  // Only what may pass as it is comes sooner; a stall waits for a change.
  if (status_.consecutiveFailures == 0 || !retrySoon_) return options_.interval;
  auto base = std::min(options_.interval, std::chrono::seconds(5));
  auto ceiling = std::max(options_.interval, std::chrono::seconds(300));
  auto delay = base * (1L << std::min(status_.consecutiveFailures - 1, 16));
  return std::min(delay, ceiling);
}

void WatchController::writeStatus() const {
  try {
    status_.write(options_.statusFile);
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
  }
  if (statusObserver_) statusObserver_(status_);
}

void WatchController::notify(const std::string& event, const std::string& revision, const std::string& message,
                             const Json& summary) {
  if (!notify_) return;
  notify_({{"event", event},
           {"repository", options_.repository},
           {"branch", options_.branch},
           {"path", options_.rules.path},
           {"revision", revision.empty() ? Json() : Json(revision)},
           {"message", message},
           {"summary", summary},
           {"time", utcNow()}});
}

// The command gets one JSON object on stdin; its failure is logged, never fatal.
Notifier commandNotifier(const std::string& command) {
  if (command.empty()) return {};
  return [command](const Json& event) {
    FILE* pipe = popen(command.c_str(), "w");
    if (!pipe) {
      spdlog::error("cannot run the notification command");
      return;
    }
    std::string text = event.dump() + "\n";
    fwrite(text.data(), 1, text.size(), pipe);
    int status = pclose(pipe);
    if (status != 0) spdlog::warn("the notification command exited with status {}", status);
  };
}

bool WatchController::step(bool suspendedByRequest) {
  std::error_code ec;
  bool suspended = suspendedByRequest || fs::exists(fs::path(options_.cache) / "suspend", ec);
  setSuspended(suspended);
  bool ok = suspended || reconcile();
  writeStatus();
  return ok;
}

void WatchController::run(WatchControl& control) {
  bool suspendedByRequest = false;
  while (!control.stop) {
    if (int request = control.suspension.exchange(0)) suspendedByRequest = request == 1;
    if (control.syncNow.exchange(false)) retryStalled();
    step(suspendedByRequest);
    // A suspended watch looks for its resumption every second.
    auto delay = suspended_ ? std::chrono::seconds(1) : nextDelay();
    auto until = std::chrono::steady_clock::now() + delay;
    while (!control.stop && control.suspension == 0 && !control.syncNow && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

}  // namespace vdc::operations
