// validate, show and graph: the commands that only look.
#include <algorithm>
#include <iostream>

#include "cli/commands.h"
#include "cli/report.h"
#include "engine/graph.h"
#include "operations/session.h"
#include "operations/show.h"

namespace vdc::cli {

namespace {

struct ShowFlags : Where {
  bool json = false;
};

std::string drifted(const std::vector<std::string>& fields) {
  std::string text;
  for (const auto& field : fields) text += (text.empty() ? ", drifted: " : ", ") + field;
  return text;
}

void printTable(const operations::Shown& shown) {
  std::cout << "VDC " << shown.vdc << " on " << shown.target << ": " << shown.resources.size() << " resources"
            << (shown.revision.empty() ? "" : ", revision " + shown.revision + " (vdc watch)") << "\n\n";
  size_t addressWidth = 8, physicalWidth = 11;
  for (const auto& r : shown.resources) {
    addressWidth = std::max(addressWidth, r.id.str().size());
    physicalWidth = std::max(physicalWidth, r.physicalName.size());
  }
  auto row = [&](const std::string& a, const std::string& p, const std::string& s, const std::string& st) {
    std::cout << a << std::string(addressWidth + 2 - a.size(), ' ') << p
              << std::string(physicalWidth + 2 - p.size(), ' ') << s << std::string(9 - std::min<size_t>(s.size(), 8), ' ')
              << st << "\n";
  };
  row("RESOURCE", "TARGET NAME", "STATE", "STATUS");
  for (const auto& r : shown.resources)
    row(r.id.str(), r.physicalName.empty() ? "(record)" : r.physicalName, r.state.empty() ? "-" : r.state,
        r.status + drifted(r.drifted));
}

}  // namespace

Command validateCommand(CLI::App& app) {
  auto flags = std::make_shared<Where>();
  auto* command = app.add_subcommand("validate", "Parse and check the manifests");
  addWhere(command, *flags, false);
  return {command, [flags] {
            Vdc vdc = operations::load(flags->directory);
            std::cout << "VDC " << vdc.name << " is valid: " << vdc.resources.size() << " resources.\n";
            return 0;
          }};
}

Command graphCommand(CLI::App& app) {
  auto flags = std::make_shared<Where>();
  auto* command = app.add_subcommand("graph", "Print the dependency graph as Graphviz DOT");
  addWhere(command, *flags, false);
  return {command, [flags] {
            Vdc vdc = operations::load(flags->directory);
            std::cout << DependencyGraph::of(vdc).dot(vdc.name);
            return 0;
          }};
}

Command showCommand(CLI::App& app) {
  auto flags = std::make_shared<ShowFlags>();
  auto* command = app.add_subcommand("show", "List the VDC's live resources");
  addWhere(command, *flags);
  command->add_flag("--json", flags->json, "Machine-readable output (specs/show.schema.json)");
  return {command, [flags] {
            Vdc vdc = operations::load(flags->directory);
            operations::Shown shown = operations::show(vdc, *operations::openTarget(flags->target));
            if (flags->json)
              std::cout << shown.toJson().dump(2) << "\n";
            else
              printTable(shown);
            return 0;
          }};
}

}  // namespace vdc::cli
