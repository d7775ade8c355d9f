#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/session.h"
#include "engine/apply.h"
#include "engine/diff.h"
#include "engine/render.h"

namespace vdc::cli {

namespace {

std::atomic<bool> interrupted{false};

void onInterrupt(int) {
  if (interrupted.exchange(true)) _exit(130);  // a second Ctrl-C stops at once
  const char message[] = "\nInterrupted: letting in-flight operations finish (Ctrl-C again to abort)...\n";
  ssize_t ignored = write(STDERR_FILENO, message, sizeof message - 1);
  (void)ignored;
}

class InterruptGuard {
 public:
  InterruptGuard() {
    struct sigaction action {};
    action.sa_handler = onInterrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &oldInt_);
    sigaction(SIGTERM, &action, &oldTerm_);
  }
  ~InterruptGuard() {
    sigaction(SIGINT, &oldInt_, nullptr);
    sigaction(SIGTERM, &oldTerm_, nullptr);
  }

 private:
  struct sigaction oldInt_ {}, oldTerm_ {};
};

int report(const Plan& plan, const ApplyReport& result) {
  if (result.ok()) {
    Summary s = plan.summary();
    std::cout << "Apply complete: " << (s.adopt ? std::to_string(s.adopt) + " adopted, " : "") << s.create
              << " created, " << s.update << " updated, " << s.replace << " replaced, " << s.remove << " deleted.\n";
    return 0;
  }
  std::cerr << "\n";
  for (const auto& o : result.outcomes)
    if (o.status == Status::Failed) std::cerr << "error: " << o.id.str() << ": " << o.error << "\n";
  std::cout << "Apply " << (result.interrupted ? "interrupted" : "failed") << ": "
            << result.count(Status::Done) << " done, " << result.count(Status::Failed) << " failed, "
            << result.count(Status::Skipped) << " skipped, " << result.count(Status::NotStarted)
            << " not started. Run vdc apply again to converge.\n";
  return 1;
}

}  // namespace

int execute(const Plan& plan, Datacenter& datacenter, const LiveState& live, int parallelism,
            CarriedDisks contents, HostFileRule files) {
  interrupted = false;
  InterruptGuard guard;
  vdc::ApplyOptions options;
  options.parallelism = parallelism;
  options.contents = std::move(contents);
  options.files = std::move(files);
  options.interrupted = &interrupted;
  ApplyReport result;
  {
    size_t operations = 0;
    for (const auto& c : plan.changes) operations += c.action == Action::Replace ? 2 : 1;
    Progress progress(operations);
    options.observer = &progress;
    try {
      result = apply(plan, datacenter, live, options);
    } catch (...) {
      datacenter.commit();  // keep what was done
      throw;
    }
  }
  auto start = std::chrono::steady_clock::now();
  datacenter.commit();
  spdlog::debug("saved {} in {:.0f} ms", datacenter.describe(), millisecondsSince(start));
  return report(plan, result);
}

namespace {

int applySavedPlan(const ApplyOptions& options) {
  Plan plan = Plan::load(options.directory);
  auto datacenter = openOrReport(options);
  if (!datacenter) return 1;
  if (plan.target != datacenter->describe()) {
    reportError("the plan was made for " + plan.target + ", not " + datacenter->describe());
    return 1;
  }
  auto lock = lockOrReport(*datacenter, plan.vdc, "vdc apply " + options.directory);
  if (!lock) return 1;
  LiveState live = readLive(*datacenter, plan.vdc);
  if (live.fingerprint() != plan.liveFingerprint) {
    reportError("the saved plan " + options.directory + " is stale: " + datacenter->describe() +
                " changed since it was made. Run vdc plan again; nothing was changed.");
    return 1;
  }
  std::cout << renderPlan(plan);
  if (plan.empty()) return 0;
  return execute(plan, *datacenter, live, options.parallelism);
}

}  // namespace

int applyCommand(const ApplyOptions& options) {
  try {
    if (!options.destroy && std::filesystem::is_regular_file(options.directory)) return applySavedPlan(options);
    auto opened = openVdcOrReport(options);
    if (!opened) return 1;
    Vdc* vdc = &opened->vdc;
    Datacenter* datacenter = opened->datacenter.get();
    auto lock = lockOrReport(*datacenter, vdc->name, options.destroy ? "vdc destroy" : "vdc apply");
    if (!lock) return 1;
    LiveState live = readLive(*datacenter, vdc->name);
    Diagnostics problems;
    Plan plan = makePlan(*vdc, live, *datacenter, options.destroy, problems);
    if (!problems.empty()) {
      std::cerr << problems.str() << "nothing was changed.\n";
      return 1;
    }
    std::cout << renderPlan(plan) << std::flush;
    if (plan.empty()) return 0;
    if (!options.autoApprove &&
        !confirm(options.destroy ? "Destroy everything VDC " + vdc->name + " owns on " + datacenter->describe() + "?"
                                 : "Apply these changes to " + datacenter->describe() + "?"))
      return 1;
    return execute(plan, *datacenter, live, options.parallelism);
  } catch (const Error& e) {
    reportError(e.what());
    return 1;
  }
}

}  // namespace vdc::cli
