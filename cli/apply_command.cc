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
  Policy policy;
  PlanFilter filter;
  std::vector<std::string> replace;
  bool autoApprove = false;
  int parallelism = 10;
  std::string shutdownTimeout;
  bool atomic = false;
  bool allowIrreversible = false;
};

int applyPrepared(operations::Prepared& prepared, const std::string& question, const ApplyFlags& flags) {
  allowDestroy(prepared.plan, flags.policy);
  std::cout << renderPlan(prepared.plan) << std::flush;
  if (prepared.plan.empty()) return 0;
  if (reportForbidden(prepared.plan, flags.policy)) return 1;
  if (flags.atomic && !flags.allowIrreversible && reportIrreversible(prepared.plan)) return 1;
  if (!question.empty() && !flags.autoApprove && !confirm(question)) return 1;
  InterruptGuard guard;
  ApplyReport result;
  {
    Progress progress;
    operations::ApplyChoices choices{flags.parallelism, flags.atomic, flags.allowIrreversible,
                                     parseDuration(flags.shutdownTimeout), &progress, guard.interrupted()};
    result = operations::execute(prepared.plan, *prepared.datacenter, prepared.live,
                                 operations::applyOptions(prepared, choices));
  }
  return reportApply(prepared.plan, result);
}

int apply(const ApplyFlags& flags, bool destroy) {
  // A saved plan was confirmed when it was reviewed.
  if (!destroy && std::filesystem::is_regular_file(flags.directory)) {
    if (!flags.filter.empty() || !flags.replace.empty()) {
      reportError("a saved plan is applied whole: give --only, --exclude and --replace to vdc plan --out");
      return 1;
    }
    operations::Prepared saved = operations::prepareSaved(flags.directory, flags.target, "vdc apply " + flags.directory);
    return applyPrepared(saved, "", flags);
  }
  operations::PlanRequest request{flags.directory, flags.target, destroy, destroy ? "vdc destroy" : "vdc apply"};
  request.filter = flags.filter;
  request.replace = flags.replace;
  operations::Prepared prepared = operations::prepare(request);
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
    command->add_flag("--atomic", flags->atomic,
                      "All or nothing: deletes and replacements last, and a failure undoes what this apply did");
    command->add_flag("--allow-irreversible", flags->allowIrreversible,
                      "With --atomic: take a plan with changes no undo gives back (a volume's data)");
    addReplace(command, flags->replace);
  }
  command->add_flag("--auto-approve", flags->autoApprove, "Do not ask for confirmation");
  addPolicy(command, flags->policy);
  addFilter(command, flags->filter);
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
