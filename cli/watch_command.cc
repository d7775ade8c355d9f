// vdc watch: follow a git repository and keep the datacenter equal to it
// (operations/watch_controller.h, docs/gitops.md). Signals: SIGTERM and
// SIGINT stop after the apply in flight; SIGUSR1 suspends and SIGUSR2
// resumes, as does removing the file CACHE/suspend after creating it.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/report.h"
#include "base/safe_file.h"
#include "engine/stop_request.h"
#include "gitops/repository.h"
#include "operations/session.h"
#include "engine/units.h"
#include "operations/watch_controller.h"
#include "operations/watch_setup.h"

namespace vdc::cli {

namespace fs = std::filesystem;

namespace {

struct WatchFlags {
  operations::WatchOptions options;
  std::string interval = "60s";
  std::string notify;  // a shell command given each event as JSON on stdin
  bool once = false;
  bool showStatus = false;
  std::string replica;  // this replica's name among others (Target coordination.etcd)
};

operations::WatchControl control;

// The apply in flight finishes its short steps; a copy of a disk stops (engine/stop_request.h).
void stopWatching(int) {
  control.stop = true;
  stopRequest() = true;
}
void onSuspend(int) { control.suspension = 1; }
void onResume(int) { control.suspension = 2; }
void onSync(int) { control.syncNow = true; }

void handle(int signal, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  sigaction(signal, &action, nullptr);
}

int watch(WatchFlags& flags) {
  operations::WatchOptions& options = flags.options;
  auto every = parseDuration(flags.interval);
  if (!every) {
    std::cerr << "error: --interval " << flags.interval << " is not a duration (30s, 5m, 1h)\n";
    return 1;
  }
  options.interval = *every;
  gitops::Credentials credentials = operations::takeCredentials(options);
  operations::completeWatchOptions(options);
  if (auto problems = operations::watchOptionProblems(options); !problems.empty()) {
    for (const auto& problem : problems) reportError(problem);
    return 1;
  }
  if (flags.showStatus) {
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
  operations::joinWatch(options, flags.replica, "vdc watch " + options.repository);
  auto repository = operations::cloneInto(options, credentials);
  operations::WatchController controller(options, *repository, operations::targetOpener(options.target),
                                         operations::commandNotifier(flags.notify));
  // Also with --once: a stop request waits for the apply in flight.
  control.stop = false;
  handle(SIGTERM, stopWatching);
  handle(SIGINT, stopWatching);
  handle(SIGUSR1, onSuspend);
  handle(SIGUSR2, onResume);
  handle(SIGHUP, onSync);
  signal(SIGPIPE, SIG_IGN);  // a notification command that does not read its input
  // Says at once that a stop was asked for: an apply in flight may take a while yet.
  std::jthread announcer([](std::stop_token done) {
    while (!done.stop_requested() && !control.stop) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (control.stop) spdlog::info("stopping: the apply in flight, if any, ends first");
  });
  if (flags.once) return controller.step() ? 0 : 1;
  spdlog::info("watching {} {} {} every {}s", options.repository, options.branch, options.rules.path,
               options.interval.count());
  controller.run(control);
  spdlog::info("stopped");
  return 0;
}

}  // namespace

Command watchCommand(CLI::App& app) {
  auto flags = std::make_shared<WatchFlags>();
  operations::WatchOptions& options = flags->options;
  auto* command = app.add_subcommand("watch", "Follow a git repository and keep the datacenter equal to it");
  command->add_option("REPO", options.repository, "Repository URL or path (any URL libgit2 takes)")->required();
  command->add_option("--branch", options.branch, "Branch to follow (default main)");
  command->add_option("--path", options.rules.path, "The VDC directory in the repository (default: its top)");
  auto* target = command->add_option("--target", options.target, "Target file (default: the embedded datacenter)");
  command->add_option("--target-path", options.rules.targetPath, "A Target file in the repository, read at each revision")
      ->excludes(target);
  command->add_option("--allow-host", options.rules.allowedHosts,
                      "A host (name, address or whole URI) the repository's Target may name; repeatable (default: none)");
  command->add_option("--vdc", options.rules.vdc,
                      "The VDC this watch keeps: a revision that declares another is refused (default: the first one applied)");
  command->add_option("--interval", flags->interval, "Between fetches: 30s, 5m, 1h (default 60s)");
  command->add_flag("--heal", options.heal, "Correct drift between commits (default: report it)");
  command->add_flag("--prune,!--no-prune", options.prune, "Delete what the repository no longer has (default on)");
  command->add_flag("--atomic", options.apply.atomic,
                    "Apply each commit all or nothing: a failing one is undone, the last good revision stays in force");
  command->add_option("--cache", options.cache, "Cache directory (default .vdc/watch/ID)");
  command->add_option("--status-file", options.statusFile, "Status JSON (default CACHE/status.json)");
  command->add_option("--notify", flags->notify, "Shell command run on each event, JSON on stdin");
  addParallelism(command, options.apply.parallelism);
  command->add_flag("--once", flags->once, "Reconcile once and exit (1 when a step failed)");
  command->add_flag("--status", flags->showStatus, "Print the status of this watch and exit");
  command->add_option("--replica", flags->replica,
                      "This replica's name when several watch the same VDCs (Target coordination.etcd; default: the host name)");
  return {command, [flags] { return watch(*flags); }};
}

}  // namespace vdc::cli
