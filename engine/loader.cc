#include "engine/loader.h"

#include <algorithm>
#include <filesystem>

#include "engine/graph.h"
#include "engine/manifest.h"
#include "engine/resolve.h"

namespace vdc {

namespace fs = std::filesystem;

static std::vector<fs::path> manifestFiles(const fs::path& root, Diagnostics& diags) {
  std::vector<fs::path> files;
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
  if (ec) {
    diags.add({root.string()}, "cannot read VDC directory: " + ec.message());
    return files;
  }
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const auto& name = it->path().filename().string();
    if (name.starts_with(".")) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    auto ext = it->path().extension();
    if (it->is_regular_file() && (ext == ".yaml" || ext == ".yml")) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

Vdc loadVdc(const std::string& directory, Diagnostics& diags) {
  fs::path root(directory);
  std::vector<Manifest> manifests;
  bool everyFileRead = true;
  for (const auto& file : manifestFiles(root, diags)) {
    std::string display = fs::relative(file, fs::current_path()).string();
    if (display.empty() || display.starts_with("..")) display = file.string();
    everyFileRead = readManifests(file.string(), display, manifests, diags) && everyFileRead;
  }
  if (manifests.empty() && diags.empty())
    diags.add({directory}, "no manifests found (expected *.yaml or *.yml files)");
  Vdc vdc = resolve(std::move(manifests), diags, everyFileRead);
  vdc.directory = fs::absolute(root).lexically_normal().string();
  checkCycles(vdc, diags);
  diags.sort();
  return vdc;
}

}  // namespace vdc
