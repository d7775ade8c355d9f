// vdc export --from-live: a VDC directory whose manifests adopt what a
// target holds and no VDC owns (engine/adoption.h, docs/adoption.md).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/session.h"
#include "engine/adoption.h"
#include "engine/units.h"

namespace vdc::cli {

namespace fs = std::filesystem;

int exportFromLive(const ExportOptions& options) {
  fs::path into = options.output;
  std::error_code ignored;
  if (fs::exists(into, ignored) && !(fs::is_directory(into, ignored) && fs::is_empty(into, ignored))) {
    reportError(into.string() + " exists and is not an empty directory");
    return 1;
  }
  std::string name = options.name.value_or(resourceNameFor(fs::absolute(into).lexically_normal().filename().string()));
  if (!isDnsLabel(name)) {
    reportError("'" + name + "' is not a VDC name (a DNS label): pass --name");
    return 1;
  }
  DatacenterPtr datacenter = openOrReport(options);
  if (!datacenter) return 1;
  try {
    LiveState live = readLive(*datacenter, name);
    AdoptionManifests manifests = adoptionManifests(name, "adopted from " + datacenter->describe(), live);
    fs::create_directories(into);
    for (const auto& [file, text] : manifests.files) {
      std::ofstream out(into / file, std::ios::trunc);
      out << text;
      if (!out.flush()) throw Error("cannot write " + (into / file).string());
    }
    for (const auto& why : manifests.skipped) std::cerr << "not adopted: " << why << "\n";
    std::cout << "Wrote " << into.string() << ": VDC " << name << " adopting "
              << live.unowned().size() - manifests.skipped.size() << " objects; `vdc plan " << into.string()
              << "` shows each as adopt.\n";
    return 0;
  } catch (const std::exception& e) {
    reportError(e.what());
    return 1;
  }
}

}  // namespace vdc::cli
