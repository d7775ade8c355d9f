#include "operations/watch_controller.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <spdlog/spdlog.h>

#include "engine/hash.h"
#include "engine/loader.h"
#include "engine/render.h"
#include "engine/safe_file.h"
#include "engine/text.h"
#include "engine/units.h"
#include "gitops/repository.h"
#include "operations/applying.h"
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

bool WatchController::reconcile() {
  auto start = std::chrono::steady_clock::now();
  std::string head;
  try {
    source_.fetch();
    head = source_.head(options_.branch);
  } catch (const std::exception& e) {
    status_.set("Fetched", false, "FetchFailed", e.what());
    return fail("", "fetch", e.what());
  }
  status_.timings["fetchSeconds"] = secondsSince(start);
  status_.fetchedRevision = head;
  status_.set("Fetched", true, "Fetched", options_.branch + " is at " + head);

  bool ok = true;
  std::optional<Loaded> wanted;
  try {
    if (head != badRevision_) {
      std::string problems;
      wanted = checkout(head, problems);
      if (!wanted) {
        badRevision_ = head;
        ok = fail(head, "validate", problems);
      }
    }
    std::string inForce = goodRevision_.empty() ? "nothing is applied yet" : goodRevision_ + " stays in force";
    if (head == badRevision_)
      status_.set("Stalled", true, "InvalidRevision", "commit " + head + " does not validate; " + inForce);
    else
      status_.set("Stalled", false, "Valid", "commit " + head + " validates");
    // A head that cannot be applied leaves the last good revision in force, still watched for drift.
    if (!wanted && !goodRevision_.empty()) {
      std::string problems;
      wanted = checkout(goodRevision_, problems);
    }
  } catch (const std::exception& e) {
    return fail(head, "fetch", e.what());
  }
  if (!wanted) return false;
  return reconcileRevision(*wanted, wanted->revision == head) && ok;
}

bool WatchController::reconcileRevision(Loaded& wanted, bool isHead) {
  const std::string& revision = wanted.revision;
  Vdc& vdc = wanted.vdc;
  try {
    DatacenterPtr datacenter = open_(wanted.target);
    if (options_.replicas) {
      std::string owner, self = options_.replicas->self();
      try {
        owner = options_.replicas->ownerOf(vdc.name);
      } catch (const Error& e) {
        return fail(revision, "replicas", e.what());
      }
      standby_ = owner != self;
      status_.set("Reconciling", !standby_, standby_ ? "Standby" : "Owner",
                  "replica " + owner + " reconciles VDC " + vdc.name + (standby_ ? "" : " (this one)"));
      if (standby_) {
        succeed();
        return true;
      }
    }
    LeasePtr held;
    try {
      held = lockVdc(*datacenter, vdc.name, "vdc watch " + options_.repository);
    } catch (const Error& e) {  // held by another writer, or the lock cannot be reached
      return fail(revision, "lock", e.what());
    }

    auto start = std::chrono::steady_clock::now();
    LiveState live = readLive(*datacenter, vdc.name);
    std::string recorded = recordedRevision(live, vdc.name);
    if (recorded.empty()) status_.appliedRevision.reset();
    else status_.appliedRevision = recorded;
    // The revision is recorded only once all of it is applied (below): the
    // first plan keeps the record's.
    // A repository's manifests name host files only inside their own directory.
    HostFileRule files = hostFileRule(vdc, wanted.target ? wanted.target : options_.target, true);
    Diagnostics problems;
    // Without --prune, what the repository dropped stays (and is reported).
    auto planWith = [&](const std::string& recordedRevision) {
      stamp(vdc, recordedRevision);
      Planning planning = makePlan(vdc, live, *datacenter, false, files);
      problems.merge(std::move(planning.problems));
      for (const auto& warning : planning.warnings) spdlog::warn("{}", warning);
      Plan plan = std::move(planning.plan);
      status_.notPruned = Json::array();
      if (!options_.prune)
        std::erase_if(plan.changes, [&](const Change& c) {
          if (c.action == Action::Delete) status_.notPruned.push_back(c.id.str());
          return c.action == Action::Delete;
        });
      return plan;
    };
    Plan plan = planWith(recorded);
    status_.timings["planSeconds"] = secondsSince(start);
    if (!problems.empty()) return fail(revision, "plan", problems.str());
    status_.lastPlan = {{"revision", revision}, {"summary", summaryJson(plan.summary())}, {"changes", changeList(plan)}};
    bool newRevision = recorded != revision;
    if (!newRevision && !plan.empty()) {
      // What the revision no longer has is pruned; the rest moved away from it.
      Plan drifted = plan;
      std::erase_if(drifted.changes, [](const Change& c) { return c.action == Action::Delete; });
      Json drift = changeList(drifted);
      bool changed = drift != status_.drift;
      status_.drift = drift;
      status_.set("Drifted", !drifted.empty(), drifted.empty() ? "InSync" : "DriftDetected",
                  std::to_string(drifted.changes.size()) + " resources differ from " + revision);
      if (!options_.heal) {
        if (changed && !drifted.empty())
          notify("drift", revision, renderSummary(drifted.summary()), summaryJson(drifted.summary()));
        std::erase_if(plan.changes, [](const Change& c) { return c.action != Action::Delete; });
        if (plan.empty()) {
          keepInForce(revision, vdc.name);
          status_.set("Ready", true, "Applied", revision + " is applied; drift is reported (--heal corrects it)");
          succeed();
          return true;
        }
      }
    }

    if (!plan.empty()) {
      // A stop request waits for the whole apply: what SIGTERM interrupts is the waiting.
      ApplyOptions applyOptions;
      applyOptions.files = files;
      applyOptions.parallelism = options_.parallelism;
      applyOptions.observer = options_.progress;
      applyOptions.lease = held.get();
      applyOptions.atomic = options_.atomic;
      // Of what it would apply (not drift it only reports), a watch lifts no
      // protection (a commit that drops `protect` comes first) and, atomic,
      // begins nothing it could not undo: the commit fails at its plan.
      for (const auto& line : refusals(plan, applyOptions)) problems.add({}, line);
      if (!problems.empty()) return fail(revision, "plan", problems.str());
      status_.attemptedRevision = revision;
      spdlog::info("applying {} ({})", shortRevision(revision), renderSummary(plan.summary()));
      start = std::chrono::steady_clock::now();
      ApplyReport report = execute(plan, *datacenter, live, applyOptions);
      status_.timings["applySeconds"] = secondsSince(start);
      if (!report.ok()) {
        std::string errors;
        for (const auto& o : report.outcomes)
          if (o.status == Status::Failed) errors += "\n" + o.id.str() + ": " + o.error;
        if (!report.leaseLost.empty()) errors += "\n" + report.leaseLost;
        if (report.rolledBack)
          return fail(revision, "apply",
                      "the apply failed and was rolled back: " + (recorded.empty() ? "nothing" : recorded) +
                          " stays wholly in force; retried" + errors);
        return fail(revision, "apply",
                    std::to_string(report.count(Status::Done)) + " of " + std::to_string(report.outcomes.size()) +
                        " operations done, the rest not: the datacenter is partly at " + revision +
                        (recorded.empty() ? "" : " and still records " + recorded) + "; retried" + errors);
      }
    }
    if (newRevision) {
      // All of it is there: now the record says so.
      live = readLive(*datacenter, vdc.name);
      Plan record = planWith(revision);
      if (!problems.empty()) return fail(revision, "plan", problems.str());
      ApplyOptions stampOptions;
      stampOptions.lease = held.get();
      ApplyReport stamped = execute(record, *datacenter, live, stampOptions);
      if (!stamped.ok()) return fail(revision, "apply", "the revision could not be recorded on the target; retried");
    }
    status_.appliedRevision = revision;
    keepInForce(revision, vdc.name);
    bool everything = newRevision || options_.heal;  // else only what was pruned
    if (everything) {
      status_.drift = Json::array();
      status_.set("Drifted", false, "InSync", "the datacenter matches " + revision);
    }
    status_.set("Ready", true, "Applied", revision + " is applied" + (isHead ? "" : " (the head is not)"));
    const char* event = newRevision ? "applied" : everything ? "healed" : "pruned";
    if (newRevision || !plan.empty()) notify(event, revision, renderSummary(plan.summary()), summaryJson(plan.summary()));
    succeed();
    return true;
  } catch (const std::exception& e) {
    return fail(revision, "apply", e.what());
  }
}

bool WatchController::fail(const std::string& revision, const std::string& stage, const std::string& message) {
  ++status_.consecutiveFailures;
  status_.lastError = {{"revision", revision.empty() ? Json() : Json(revision)},
                       {"stage", stage},
                       {"message", message},
                       {"time", utcNow()}};
  if (stage != "fetch") status_.set("Ready", false, "Failed", stage + " of " + revision + " failed");
  status_.nextAttemptSeconds = static_cast<double>(nextDelay().count());
  spdlog::error("{}{} failed: {}", stage, revision.empty() ? "" : " of " + shortRevision(revision), message);
  notify("failed", revision, stage + ": " + message);
  return false;
}

void WatchController::succeed() {
  status_.consecutiveFailures = 0;
  status_.nextAttemptSeconds = static_cast<double>(options_.interval.count());
}

void WatchController::setSuspended(bool suspended) {
  if (suspended == suspended_) return;
  suspended_ = suspended;
  status_.set("Suspended", suspended, suspended ? "Suspended" : "Resumed",
              suspended ? "nothing is fetched or applied until resumed" : "watching");
  notify(suspended ? "suspended" : "resumed", status_.appliedRevision.value_or(""), "");
}

std::chrono::seconds WatchController::nextDelay() const {
  // A standby replica looks often enough to take over within a lease.
  if (standby_ && options_.replicas) return std::min(options_.interval, options_.replicas->lookEvery());
  if (status_.consecutiveFailures == 0) return options_.interval;
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
    control.syncNow = false;
    step(suspendedByRequest);
    // A suspended watch looks for its resumption every second.
    auto delay = suspended_ ? std::chrono::seconds(1) : nextDelay();
    auto until = std::chrono::steady_clock::now() + delay;
    while (!control.stop && control.suspension == 0 && !control.syncNow && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void completeWatchOptions(WatchOptions& options) {
  if (options.cache.empty()) {
    std::string key = options.repository + "\n" + options.branch + "\n" + options.rules.path + "\n" +
                      options.target.value_or("") + "\n" + options.rules.targetPath;
    options.cache = (fs::path(".vdc") / "watch" / sha256Hex(key).substr(0, 16)).string();
  }
  if (options.statusFile.empty()) options.statusFile = (fs::path(options.cache) / "status.json").string();
}

std::vector<std::string> watchOptionProblems(const WatchOptions& options) {
  std::vector<std::string> problems;
  for (const auto& [flag, path] : {std::pair{"--path", options.rules.path}, std::pair{"--target-path", options.rules.targetPath}}) {
    fs::path normal = fs::path(path).lexically_normal();
    if (normal.is_absolute() || (!normal.empty() && *normal.begin() == ".."))
      problems.push_back(std::string(flag) + " " + path + " is not a place inside the repository");
  }
  for (const auto& problem : ruleProblems(options.rules))
    problems.push_back(problem);
  return problems;
}

}  // namespace vdc::operations
