// The commands of `vdc`, as a table main() walks: each adds its subcommand
// and flags to the parser and says what runs when it is chosen. A command
// parses, calls the operations library (operations/) and prints; its
// return is the exit code: 0 success, 1 error, 2 changes present (plan
// --detailed-exitcode only).
#pragma once

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace vdc::cli {

struct Command {
  CLI::App* parsed;         // the subcommand: chosen when *parsed is true
  std::function<int()> run;
};

Command validateCommand(CLI::App& app);
Command planCommand(CLI::App& app);
Command applyCommand(CLI::App& app);
Command destroyCommand(CLI::App& app);
Command showCommand(CLI::App& app);
Command graphCommand(CLI::App& app);
Command exportCommand(CLI::App& app);
Command importCommand(CLI::App& app);
Command watchCommand(CLI::App& app);
Command serveCommand(CLI::App& app);
Command forgetCommand(CLI::App& app);

inline std::vector<Command> allCommands(CLI::App& app) {
  return {validateCommand(app), planCommand(app),   applyCommand(app),  destroyCommand(app), showCommand(app),
          graphCommand(app),    exportCommand(app), importCommand(app), watchCommand(app),   serveCommand(app),
          forgetCommand(app)};
}

}  // namespace vdc::cli
