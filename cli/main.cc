#include <malloc.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/watcher.h"
#include "cli/session.h"

using namespace vdc::cli;

namespace {

void common(CLI::App* command, CommonOptions& options, bool withTarget = true) {
  command->add_option("DIR", options.directory, "VDC directory (default: current directory)");
  if (withTarget) command->add_option("--target", options.target, "Target file (default: the embedded datacenter)");
}


}  // namespace

int main(int argc, char** argv) {
  // Loading builds millions of small YAML nodes; glibc's fastbins fragment
  // under that and cost a sixth of the load time at 100k resources.
  mallopt(M_MXFAST, 0);
  CLI::App app{"vdc: your virtual data center as code"};
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log what vdc does and how long it takes (stderr)");
  app.set_version_flag("--version", std::string("vdc ") + kVdcVersion);

  CommonOptions validate;
  auto* validateCmd = app.add_subcommand("validate", "Parse and check the manifests");
  common(validateCmd, validate, false);

  PlanOptions plan;
  auto* planCmd = app.add_subcommand("plan", "Show what apply would change");
  common(planCmd, plan);
  planCmd->add_option("--out", plan.out, "Save the plan to a file for `vdc apply PLAN`");
  planCmd->add_flag("--json", plan.json, "Machine-readable output (specs/plan.schema.json)");
  planCmd->add_flag("--detailed-exitcode", plan.detailedExitCode, "Exit 0 with no changes, 2 with changes, 1 on error");
  planCmd->add_flag("--destroy", plan.destroy, "Plan the removal of everything the VDC owns");

  ApplyOptions apply;
  auto* applyCmd = app.add_subcommand("apply", "Make the target match the manifests (or a saved plan)");
  applyCmd->add_option("DIR", apply.directory, "VDC directory or saved plan file");
  applyCmd->add_option("--target", apply.target, "Target file (default: the embedded datacenter)");
  applyCmd->add_flag("--auto-approve", apply.autoApprove, "Do not ask for confirmation");
  applyCmd->add_option("--parallelism", apply.parallelism, "Operations at once (default 10)")->check(CLI::Range(1, 1000));

  ApplyOptions destroy;
  destroy.destroy = true;
  auto* destroyCmd = app.add_subcommand("destroy", "Remove everything the VDC owns on the target");
  common(destroyCmd, destroy);
  destroyCmd->add_flag("--auto-approve", destroy.autoApprove, "Do not ask for confirmation");
  destroyCmd->add_option("--parallelism", destroy.parallelism, "Operations at once (default 10)")->check(CLI::Range(1, 1000));

  ShowOptions show;
  auto* showCmd = app.add_subcommand("show", "List the VDC's live resources");
  common(showCmd, show);
  showCmd->add_flag("--json", show.json, "Machine-readable output (specs/show.schema.json)");

  CommonOptions graph;
  auto* graphCmd = app.add_subcommand("graph", "Print the dependency graph as Graphviz DOT");
  common(graphCmd, graph, false);

  ExportOptions exportOptions;
  auto* exportCmd = app.add_subcommand("export", "Carry a whole VDC, manifests and disks, to a bundle");
  common(exportCmd, exportOptions);
  exportCmd->add_option("-o,--output", exportOptions.output, "The bundle to write (--from-live: the directory)")
      ->required();
  exportCmd->add_flag("--from-live", exportOptions.fromLive,
                      "Write manifests that adopt what the target holds and no VDC owns");
  exportCmd->add_option("--name", exportOptions.name, "--from-live: the VDC's name (default: the directory's)");

  ImportOptions importOptions;
  auto* importCmd = app.add_subcommand("import", "Make a bundle's VDC on a target");
  importCmd->add_option("BUNDLE", importOptions.bundle, "The bundle")->required();
  importCmd->add_option("--target", importOptions.target, "Target file (default: the embedded datacenter)");
  importCmd->add_option("--into", importOptions.into, "Where its manifests go (default: ./VDC-NAME; must not exist)");
  importCmd->add_flag("--auto-approve", importOptions.autoApprove, "Do not ask for confirmation");
  importCmd->add_option("--parallelism", importOptions.parallelism, "Operations at once (default 10)")
      ->check(CLI::Range(1, 1000));
  WatchOptions watch;
  std::string interval = "60s";
  auto* watchCmd = app.add_subcommand("watch", "Follow a git repository and keep the datacenter equal to it");
  watchCmd->add_option("REPO", watch.repository, "Repository URL or path (any URL libgit2 takes)")->required();
  watchCmd->add_option("--branch", watch.branch, "Branch to follow (default main)");
  watchCmd->add_option("--path", watch.path, "The VDC directory in the repository (default: its top)");
  auto* watchTarget = watchCmd->add_option("--target", watch.target, "Target file (default: the embedded datacenter)");
  watchCmd->add_option("--target-path", watch.targetPath, "A Target file in the repository, read at each revision")
      ->excludes(watchTarget);
  watchCmd->add_option("--interval", interval, "Between fetches: 30s, 5m, 1h (default 60s)");
  watchCmd->add_flag("--heal", watch.heal, "Correct drift between commits (default: report it)");
  watchCmd->add_flag("--prune,!--no-prune", watch.prune, "Delete what the repository no longer has (default on)");
  watchCmd->add_option("--cache", watch.cache, "Cache directory (default .vdc/watch/ID)");
  watchCmd->add_option("--status-file", watch.statusFile, "Status JSON (default CACHE/status.json)");
  watchCmd->add_option("--notify", watch.notify, "Shell command run on each event, JSON on stdin");
  watchCmd->add_option("--parallelism", watch.parallelism, "Operations at once (default 10)")
      ->check(CLI::Range(1, 1000));
  watchCmd->add_flag("--once", watch.once, "Reconcile once and exit (1 when a step failed)");
  watchCmd->add_flag("--status", watch.showStatus, "Print the status of this watch and exit");

  CLI11_PARSE(app, argc, argv);
  setUpLogging(verbose);

  try {
    if (*validateCmd) return validateCommand(validate);
    if (*planCmd) return planCommand(plan);
    if (*applyCmd) return applyCommand(apply);
    if (*destroyCmd) return applyCommand(destroy);
    if (*showCmd) return showCommand(show);
    if (*graphCmd) return graphCommand(graph);
    if (*exportCmd) return exportCommand(exportOptions);
    if (*importCmd) return importCommand(importOptions);
    if (*watchCmd) {
      auto every = parseInterval(interval);
      if (!every) {
        std::cerr << "error: --interval " << interval << " is not a duration (30s, 5m, 1h)\n";
        return 1;
      }
      watch.interval = *every;
      return watchCommand(watch);
    }
  } catch (const std::exception& e) {
    // Commands report what they expect; this is the net under them.
    std::cerr << "error: " << e.what() << "\n";
  }
  return 1;
}
