// vdc: argument parsing and a table of commands (cli/commands.h); the work
// is the operations library's (operations/).
#include <malloc.h>

#include "cli/commands.h"
#include "cli/report.h"
#include "engine/version.h"

int main(int argc, char** argv) {
  // Loading builds millions of small YAML nodes; glibc's fastbins fragment
  // under that and cost a sixth of the load time at 100k resources.
  mallopt(M_MXFAST, 0);
  CLI::App app{"vdc: your virtual data center as code"};
  app.require_subcommand(1);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "Log what vdc does and how long it takes (stderr)");
  app.set_version_flag("--version", std::string("vdc ") + vdc::kVersion);
  auto commands = vdc::cli::allCommands(app);
  CLI11_PARSE(app, argc, argv);
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
