// vdc watch: follow a git repository and keep the datacenter equal to it
// (cli/watcher.h, docs/gitops.md). Signals: SIGTERM and SIGINT stop after
// the apply in flight; SIGUSR1 suspends and SIGUSR2 resumes, as does
// removing the file CACHE/suspend after creating it.
#include <signal.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/session.h"
#include "cli/watcher.h"
#include "engine/hash.h"
#include "engine/safe_file.h"
#include "providers/target.h"

namespace vdc::cli {

namespace fs = std::filesystem;

namespace {

std::atomic<bool> stopRequested{false};
std::atomic<int> suspendSignal{0};  // 1: SIGUSR1 (suspend), 2: SIGUSR2 (resume)

void onStop(int) { stopRequested = true; }
void onSuspend(int) { suspendSignal = 1; }
void onResume(int) { suspendSignal = 2; }

void handle(int signal, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  sigaction(signal, &action, nullptr);
}

// Sleeps up to `delay`, waking early for a stop, suspend or resume request.
void wait(std::chrono::seconds delay) {
  auto until = std::chrono::steady_clock::now() + delay;
  while (!stopRequested && suspendSignal == 0 && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

// Whether `path` names a place inside the repository.
bool insideRepository(const std::string& path) {
  fs::path normal = fs::path(path).lexically_normal();
  return !normal.is_absolute() && (normal.empty() || *normal.begin() != "..");
}

}  // namespace

// One cache per repository, branch, path and target, under the current
// directory: two watches of one branch onto two datacenters keep apart
// what each has in force.
void completeWatchOptions(WatchOptions& options) {
  if (options.cache.empty()) {
    std::string key = options.repository + "\n" + options.branch + "\n" + options.path + "\n" +
                      options.target.value_or("") + "\n" + options.targetPath;
    options.cache = (fs::path(".vdc") / "watch" / sha256Hex(key).substr(0, 16)).string();
  }
  if (options.statusFile.empty()) options.statusFile = (fs::path(options.cache) / "status.json").string();
}

int watchCommand(WatchOptions options) {
  // A password or token in the repository's URL signs in; it is never shown or stored.
  gitops::Credentials credentials = gitops::Credentials::fromEnvironment();
  credentials.takeFromUrl(options.repository);
  completeWatchOptions(options);
  for (const auto& [flag, path] : {std::pair{"--path", options.path}, std::pair{"--target-path", options.targetPath}})
    if (!insideRepository(path)) {
      reportError(std::string(flag) + " " + path + " is not a place inside the repository");
      return 1;
    }
  if (options.showStatus) {
    std::ifstream in(options.statusFile);
    if (!in) {
      reportError("no status at " + options.statusFile + ": vdc watch has not run with these settings here");
      return 1;
    }
    std::cout << in.rdbuf();
    return 0;
  }
  // A watch runs unattended: what it does is logged, not only what fails.
  if (spdlog::get_level() > spdlog::level::info) spdlog::set_level(spdlog::level::info);
  try {
    checkPrivateDirectory(options.cache);  // made if missing; a link or others' directory is refused
    gitops::Repository repository(options.repository, (fs::path(options.cache) / "repository").string(),
                                  credentials);
    Watcher watcher(options, repository, [&](const std::optional<std::string>& revisionTarget) {
      return openTarget(revisionTarget ? revisionTarget : options.target);
    });
    stopRequested = false;
    handle(SIGTERM, onStop);
    handle(SIGINT, onStop);
    handle(SIGUSR1, onSuspend);
    handle(SIGUSR2, onResume);
    signal(SIGPIPE, SIG_IGN);  // a notification command that does not read its input
    bool suspendedBySignal = false;
    fs::path suspendFile = fs::path(options.cache) / "suspend";
    spdlog::info("watching {} {} {} every {}s", options.repository, options.branch, options.path,
                 options.interval.count());
    while (!stopRequested) {
      if (int s = suspendSignal.exchange(0)) suspendedBySignal = s == 1;
      std::error_code ec;
      bool suspended = suspendedBySignal || fs::exists(suspendFile, ec);
      watcher.setSuspended(suspended);
      bool ok = suspended || watcher.reconcile();
      watcher.writeStatus();
      if (options.once) return ok ? 0 : 1;
      wait(suspended ? std::chrono::seconds(1) : watcher.nextDelay());
    }
    spdlog::info("stopped");
    return 0;
  } catch (const std::exception& e) {
    reportError(e.what());
    return 1;
  }
}

}  // namespace vdc::cli
