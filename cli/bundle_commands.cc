// vdc export and vdc import: a whole VDC, manifests and disks, carried in a
// bundle from one datacenter to another (operations/export.h,
// operations/import.h); vdc export --from-live: manifests that adopt what a
// target holds.
#include <iostream>

#include "cli/commands.h"
#include "cli/progress.h"
#include "cli/report.h"
#include "engine/render.h"
#include "engine/units.h"
#include "operations/applying.h"
#include "operations/export.h"
#include "operations/import.h"

namespace vdc::cli {

namespace {

struct ExportFlags : Where {
  std::string output;               // the bundle
  bool fromLive = false;            // write manifests adopting what the target holds into `output`
  std::optional<std::string> name;  // --from-live: the VDC's name (default: from `output`)
};

int exportFromLive(const ExportFlags& flags) {
  auto exported = operations::exportAdoption({flags.target, flags.output, flags.name});
  for (const auto& why : exported.skipped) std::cerr << "not adopted: " << why << "\n";
  std::cout << "Wrote " << flags.output << ": VDC " << exported.vdc << " adopting " << exported.adopted
            << " objects; `vdc plan " << flags.output << "` shows each as adopt.\n";
  return 0;
}

int exportBundle(const ExportFlags& flags) {
  if (flags.fromLive) return exportFromLive(flags);
  InterruptGuard guard;  // a stop ends the copy of a disk at its next piece; the partial bundle goes
  DiskProgress progress;
  auto exported = operations::exportBundle({flags.directory, flags.target, flags.output}, progress);
  if (exported.differs)
    std::cerr << "warning: " << exported.target << " differs from the manifests (" << renderSummary(*exported.differs)
              << "): the bundle carries the manifests, and the disks as they are\n";
  std::cout << "Exported VDC " << exported.vdc << " from " << exported.target << " to " << flags.output << ": "
            << exported.manifestFiles << " manifest files, " << exported.disks << " disks ("
            << formatSize(exported.bytes) << ").\n";
  return 0;
}

struct ImportFlags {
  std::string bundle;
  std::optional<std::string> target;
  std::optional<std::string> into;
  bool autoApprove = false;
  bool ontoExisting = false;
  int parallelism = 10;
};

int importBundle(const ImportFlags& flags) {
  InterruptGuard guard;
  std::optional<Progress> progress(std::in_place);
  operations::ImportRequest request{flags.bundle, flags.target, flags.into, flags.ontoExisting, {}};
  request.apply.parallelism = flags.parallelism;
  request.apply.interrupted = guard.interrupted();
  request.apply.observer = &*progress;
  DiskProgress disks;
  auto imported = operations::importBundle(request, disks, [&](const operations::Imported& planned) {
    if (planned.existing)
      std::cout << "VDC " << planned.vdc << " already lives on " << planned.target << " (" << planned.existing
                << " resources): --onto-existing makes it the bundle's, as this plan shows.\n\n";
    std::cout << renderPlan(planned.plan) << std::flush;
    std::string question = planned.existing ? "Change VDC " + planned.vdc + " on " + planned.target + " to the bundle's?"
                                            : "Import VDC " + planned.vdc + " into " + planned.target + "?";
    if (!planned.plan.empty() && !flags.autoApprove && !confirm(question))
      return false;
    std::cerr << "Unpacked " << planned.manifestFiles << " manifest files into " << planned.directory << ".\n";
    return true;
  });
  progress.reset();  // its status line goes before the report
  if (!imported.approved) return 1;
  if (imported.plan.empty()) return 0;
  return reportApply(imported.plan, imported.report);
}

}  // namespace

Command exportCommand(CLI::App& app) {
  auto flags = std::make_shared<ExportFlags>();
  auto* command = app.add_subcommand("export", "Carry a whole VDC, manifests and disks, to a bundle");
  addWhere(command, *flags);
  command->add_option("-o,--output", flags->output, "The bundle to write (--from-live: the directory)")->required();
  command->add_flag("--from-live", flags->fromLive, "Write manifests that adopt what the target holds and no VDC owns");
  command->add_option("--name", flags->name, "--from-live: the VDC's name (default: the directory's)");
  return {command, [flags] { return exportBundle(*flags); }};
}

Command importCommand(CLI::App& app) {
  auto flags = std::make_shared<ImportFlags>();
  auto* command = app.add_subcommand("import", "Make a bundle's VDC on a target");
  command->add_option("BUNDLE", flags->bundle, "The bundle")->required();
  addTarget(command, flags->target);
  command->add_option("--into", flags->into, "Where its manifests go (default: ./VDC-NAME; must not exist)");
  command->add_flag("--auto-approve", flags->autoApprove, "Do not ask for confirmation");
  command->add_flag("--onto-existing", flags->ontoExisting,
                    "The VDC already lives on the target: make it the bundle's, updating and deleting what differs");
  addParallelism(command, flags->parallelism);
  return {command, [flags] { return importBundle(*flags); }};
}

}  // namespace vdc::cli
