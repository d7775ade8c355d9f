#include "cli/session.h"

#include <unistd.h>

#include <iostream>

#include <spdlog/spdlog.h>

#include "engine/loader.h"
#include "providers/target.h"

namespace vdc::cli {

void reportError(const std::string& message) { std::cerr << "error: " << message << "\n"; }

std::optional<Vdc> loadOrReport(const std::string& directory) {
  Diagnostics diags;
  Vdc vdc = loadVdc(directory, diags);
  if (diags.empty()) return vdc;
  std::cerr << diags.str();
  std::cerr << diags.size() << (diags.size() == 1 ? " error" : " errors") << "; nothing was changed.\n";
  return std::nullopt;
}

DatacenterPtr openOrReport(const CommonOptions& options) {
  try {
    return openTarget(options.target);
  } catch (const Error& e) {
    reportError(e.what());
    return nullptr;
  }
}

std::optional<ApplyLock> lockOrReport(Datacenter& datacenter, const std::string& vdc, const std::string& purpose) {
  std::string holder;
  auto lock = ApplyLock::tryAcquire(datacenter.lockPath(vdc), purpose, holder);
  if (!lock)
    reportError("VDC " + vdc + " on " + datacenter.describe() + " is locked by " + holder +
                "; one apply at a time");
  return lock;
}

bool confirm(const std::string& question) {
  if (!isatty(STDIN_FILENO)) {
    reportError("not a terminal: pass --auto-approve to apply without confirmation");
    return false;
  }
  std::cerr << question << " Only 'yes' will be accepted: " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer == "yes") return true;
  std::cerr << "Cancelled; nothing was changed.\n";
  return false;
}

}  // namespace vdc::cli
