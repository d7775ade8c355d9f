// One reconcile of `vdc watch` (docs/gitops.md): fetch the followed branch;
// apply a new revision that validates and plans, or else keep the last
// good one in force; between commits, compare the datacenter with the
// revision in force and correct drift when asked to. Every outcome goes to
// the status (gitops/status.h) and to the notification command.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "engine/plan.h"
#include "engine/provider.h"
#include "gitops/repository.h"
#include "gitops/status.h"

namespace vdc::cli {

struct WatchOptions {
  std::string repository;
  std::string branch = "main";
  std::string path = ".";
  std::optional<std::string> target;  // a file here
  std::string targetPath;             // or a Target file in the repository, read with each revision
  std::string cache;       // default: .vdc/watch/ID (watch_command.cc)
  std::string statusFile;  // default: CACHE/status.json
  std::string notify;      // a shell command given each event as JSON on stdin
  std::chrono::seconds interval{60};
  bool heal = false;
  bool prune = true;
  bool once = false;
  bool showStatus = false;
  int parallelism = 10;
};

class Watcher {
 public:
  // `open` opens the target afresh for each reconcile: what another process
  // did to it in between (an embedded datacenter's file) is seen. It is
  // given the revision's Target file with --target-path, none without.
  using Opener = std::function<DatacenterPtr(const std::optional<std::string>& revisionTarget)>;
  Watcher(const WatchOptions& options, gitops::Repository& repository, Opener open);

  // One fetch and reconcile; false when a step failed (in the status).
  bool reconcile();
  // Records a change of suspension in the status, and notifies it.
  void setSuspended(bool suspended);
  // How long to wait before the next reconcile: the interval, or sooner
  // after failures (doubling from min(interval, 5s)).
  std::chrono::seconds nextDelay() const;
  const gitops::WatchStatus& status() const { return status_; }
  void writeStatus() const;

 private:
  struct Loaded;
  std::optional<Loaded> checkout(const std::string& revision, std::string& problems);
  bool reconcileRevision(Loaded& wanted, bool newCommit);
  bool fail(const std::string& revision, const std::string& stage, const std::string& message);
  void succeed();
  // Remembers (in the cache) the revision now in force.
  void keepInForce(const std::string& revision);
  void notify(const std::string& event, const std::string& revision, const std::string& message,
              const Json& summary = Json());
  std::string revisionDirectory(const std::string& revision) const;

  const WatchOptions& options_;
  gitops::Repository& repository_;
  Opener open_;
  gitops::WatchStatus status_;
  std::string badRevision_;   // the last head that does not validate: not tried again
  std::string goodRevision_;  // the last revision applied by this process or found in force
  bool suspended_ = false;
};

// "30s", "5m", "1h" or a number of seconds.
std::optional<std::chrono::seconds> parseInterval(const std::string& text);

}  // namespace vdc::cli
