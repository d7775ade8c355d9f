// vdc apply and vdc destroy: plan (or read a saved plan), confirm, apply
// with progress, report.
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "engine/units.h"
#include "engine/render.h"
#include "operations/applying.h"
#include "operations/planning.h"

namespace vdc::cli {

namespace {

struct ApplyFlags : Where {
  std::vector<std::string> deny;
  bool autoApprove = false;
  int parallelism = 10;
  std::string shutdownTimeout;
};

int applyPrepared(const operations::Prepared& prepared, const std::string& question, const ApplyFlags& flags) {
  std::cout << renderPlan(prepared.plan) << std::flush;
  if (prepared.plan.empty()) return 0;
  if (reportDenied(prepared.plan, flags.deny)) return 1;
  if (!question.empty() && !flags.autoApprove && !confirm(question)) return 1;
  InterruptGuard guard;
  ApplyReport result;
  {
    Progress progress;
    ApplyOptions options;
    options.parallelism = flags.parallelism;
    options.shutdownTimeout = parseDuration(flags.shutdownTimeout);
    options.interrupted = guard.interrupted();
    options.observer = &progress;
    options.lease = prepared.lease.get();
    result = operations::execute(prepared.plan, *prepared.datacenter, prepared.live, options);
  }
  return reportApply(prepared.plan, result);
}

int apply(const ApplyFlags& flags, bool destroy) {
  // A saved plan was confirmed when it was reviewed.
  if (!destroy && std::filesystem::is_regular_file(flags.directory))
    return applyPrepared(operations::prepareSaved(flags.directory, flags.target, "vdc apply " + flags.directory), "",
                         flags);
  operations::Prepared prepared =
      operations::prepare({flags.directory, flags.target, destroy, destroy ? "vdc destroy" : "vdc apply"});
  reportWarnings(prepared.warnings);
  std::string target = prepared.datacenter->describe();
  return applyPrepared(prepared,
                       destroy ? "Destroy everything VDC " + prepared.vdc->name + " owns on " + target + "?"
                               : "Apply these changes to " + target + "?",
                       flags);
}

Command applyOrDestroy(CLI::App& app, bool destroy) {
  auto flags = std::make_shared<ApplyFlags>();
  CLI::App* command;
  if (destroy) {
    command = app.add_subcommand("destroy", "Remove everything the VDC owns on the target");
    addWhere(command, *flags);
  } else {
    command = app.add_subcommand("apply", "Make the target match the manifests (or a saved plan)");
    command->add_option("DIR", flags->directory, "VDC directory or saved plan file");
    addTarget(command, flags->target);
  }
  command->add_flag("--auto-approve", flags->autoApprove, "Do not ask for confirmation");
  addDeny(command, flags->deny);
  addParallelism(command, flags->parallelism);
  command
      ->add_option("--shutdown-timeout", flags->shutdownTimeout,
                   "Ask each guest this stops or deletes to shut down, and force it off after DURATION (30s, 5m); "
                   "default: the instance's shutdownTimeout, or forced off at once")
      ->check([](const std::string& text) { return parseDuration(text) ? "" : "must be a duration: 30s, 5m, 1h"; });
  return {command, [flags, destroy] { return apply(*flags, destroy); }};
}

}  // namespace

Command applyCommand(CLI::App& app) { return applyOrDestroy(app, false); }
Command destroyCommand(CLI::App& app) { return applyOrDestroy(app, true); }

}  // namespace vdc::cli
