// vdc plan: what apply would change, shown, saved or as JSON.
#include <iostream>

#include "cli/commands.h"
#include "cli/report.h"
#include "engine/render.h"
#include "engine/render_markdown.h"
#include "gitops/repository.h"
#include "operations/planning.h"

namespace vdc::cli {

namespace {

struct PlanFlags : Where {
  std::optional<std::string> out;
  bool json = false;
  std::string format = "text";
  Policy policy;
  PlanFilter filter;
  std::vector<std::string> replace;
  bool detailedExitCode = false;
  bool destroy = false;
};

int plan(const PlanFlags& flags) {
  operations::PlanRequest request{flags.directory, flags.target, flags.destroy, ""};
  request.filter = flags.filter;
  request.replace = flags.replace;
  operations::Prepared prepared = operations::prepare(request);
  reportWarnings(prepared.warnings);
  Plan& plan = prepared.plan;
  allowDestroy(plan, flags.policy);
  if (flags.json || flags.format == "json")
    std::cout << plan.toJson().dump(2) << "\n";
  else if (flags.format == "markdown")
    std::cout << renderMarkdown(plan, {gitops::workTreeHead(flags.directory),
                                       operations::recordedRevision(prepared.live, plan.vdc)});
  else
    std::cout << renderPlan(plan);
  // A plan for review shows what is forbidden, then fails the pipeline.
  if (reportForbidden(plan, flags.policy)) return 1;
  if (flags.out) {
    plan.save(*flags.out);
    std::cerr << "Saved the plan to " << *flags.out << "; run `vdc apply " << *flags.out
              << "` to perform exactly these actions.\n";
  }
  return flags.detailedExitCode && !plan.empty() ? 2 : 0;
}

}  // namespace

Command planCommand(CLI::App& app) {
  auto flags = std::make_shared<PlanFlags>();
  auto* command = app.add_subcommand("plan", "Show what apply would change");
  addWhere(command, *flags);
  command->add_option("--out", flags->out, "Save the plan to a file for `vdc apply PLAN`");
  command->add_flag("--json", flags->json, "Machine-readable output (specs/plan.schema.json); --format json");
  command->add_option("--format", flags->format, "text (default), json, or markdown (for a code review)")
      ->check(CLI::IsMember({"text", "json", "markdown"}));
  command->add_flag("--detailed-exitcode", flags->detailedExitCode, "Exit 0 with no changes, 2 with changes, 1 on error");
  command->add_flag("--destroy", flags->destroy, "Plan the removal of everything the VDC owns");
  addPolicy(command, flags->policy);
  addFilter(command, flags->filter);
  addReplace(command, flags->replace);
  return {command, [flags] { return plan(*flags); }};
}

}  // namespace vdc::cli
