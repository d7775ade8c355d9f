// vdc forget: the VDC stops managing objects, which stay on the target.
#include <iostream>

#include "cli/commands.h"
#include "cli/report.h"
#include "operations/forget.h"

namespace vdc::cli {

namespace {

struct ForgetFlags : Where {
  std::vector<std::string> addresses;
};

int forget(const ForgetFlags& flags) {
  operations::ForgetRequest request{flags.directory, flags.target, flags.addresses};
  for (const auto& f : operations::forget(request)) {
    std::cout << "Forgot " << f.id.str() << ": '" << f.physicalName << "' stays on the target, owned by no VDC.\n";
    if (f.inManifests)
      std::cout << "  The manifests still hold " << f.id.str() << ": the next plan refuses to make it again. "
                << "Delete its manifest, or adopt it back with the annotation vdc/adopt: '" << f.physicalName
                << "' (docs/adoption.md).\n";
  }
  return 0;
}

}  // namespace

Command forgetCommand(CLI::App& app) {
  auto flags = std::make_shared<ForgetFlags>();
  auto* command = app.add_subcommand(
      "forget", "Stop managing a resource without deleting it: its object stays on the target, owned by no VDC");
  command
      ->add_option("ADDR", flags->addresses,
                   "Kind/name of a Network, Volume or virtual machine Instance (an Instance with replicas by its "
                   "base name); repeatable")
      ->required()
      ->check([](const std::string& text) { return isResourceId(text) ? "" : "must be Kind/name"; });
  command->add_option("--dir", flags->directory, "VDC directory (default: current directory)");
  addTarget(command, flags->target);
  return {command, [flags] { return forget(*flags); }};
}

}  // namespace vdc::cli
