// vdc: argument parsing and a table of commands (cli/commands.h); the work
// is the operations library's (operations/).
#include <malloc.h>
#include <sys/stat.h>

#include <algorithm>
#include <iostream>
#include <string_view>

#include "cli/commands.h"
#include "cli/report.h"
#include "base/text.h"
#include "engine/units.h"
#include "engine/version.h"

namespace {

// The command a command line names: its first word that is not an option
// (the global options take no value). Empty when there is none.
std::string_view commandWord(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (argv[i][0] != '-') return argv[i];
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  // Loading builds millions of small YAML nodes; glibc's fastbins fragment
  // under that and cost a sixth of the load time at 100k resources.
  mallopt(M_MXFAST, 0);
  // Manifests carry user-data and keys, and so does everything made of
  // them (the embedded datacenter, caches, plans, bundles, the server's
  // state): what vdc makes is its user's alone, whoever's library makes it.
  umask(077);
  CLI::App app{"vdc: your virtual data center as code"};
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log what vdc does and how long it takes (stderr)");
  app.set_version_flag("--version", std::string("vdc ") + vdc::kVersion);
  auto commands = vdc::cli::allCommands(app);

  // A word that names no command is an error, also before --help: the
  // general help would read as if it had worked.
  std::vector<std::string> names;
  for (const auto& command : commands) names.push_back(command.parsed->get_name());
  if (std::string_view word = commandWord(argc, argv);
      !word.empty() && std::find(names.begin(), names.end(), word) == names.end()) {
    std::string message = "unknown command '" + vdc::printable(word) + "'";
    if (auto guess = vdc::closestMatch(word, names)) message += " (did you mean '" + *guess + "'?)";
    vdc::cli::reportError(message + "; `vdc --help` lists the commands");
    return 1;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // The exit codes are vdc's (0, 1, and 2 only for changes with
    // --detailed-exitcode: a mistyped flag must not read as changes),
    // never the parser's own.
    std::string word(commandWord(argc, argv));
    if (word.empty() && dynamic_cast<const CLI::RequiredError*>(&e)) {
      vdc::cli::reportError("no command given; `vdc --help` lists the commands");
      return 1;
    }
    vdc::cli::reportError(vdc::printableMessage(std::string(e.what()) + "; `vdc " + (word.empty() ? "" : word + " ") +
                                                "--help` shows the usage"));
    return 1;
  }
  vdc::cli::setUpLogging(verbose);
  try {
    for (const auto& command : commands)
      if (*command.parsed) return command.run();
  } catch (const std::exception& e) {
    // What stopped a command: every problem of it, with its place.
    return vdc::cli::reportFailure(e);
  }
  return 1;
}
