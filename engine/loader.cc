#include "engine/loader.h"

#include <algorithm>
#include <filesystem>

#include "engine/graph.h"
#include "engine/manifest.h"
#include "engine/parallel.h"
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

namespace {

struct FileResult {
  std::vector<Manifest> manifests;
  Diagnostics diags;
  bool read = false;
};

// Parsing dominates loading and files are independent: read them on every core.
std::vector<FileResult> readAll(const std::vector<fs::path>& files) {
  std::vector<FileResult> results(files.size());
  parallelFor(files.size(), [&](size_t i) {
    std::string display = fs::relative(files[i], fs::current_path()).string();
    if (display.empty() || display.starts_with("..")) display = files[i].string();
    results[i].read = readManifests(files[i].string(), display, results[i].manifests, results[i].diags);
  });
  return results;
}

}  // namespace

Vdc loadVdc(const std::string& directory, Diagnostics& diags) {
  fs::path root(directory);
  std::vector<Manifest> manifests;
  bool everyFileRead = true;
  for (auto& result : readAll(manifestFiles(root, diags))) {
    everyFileRead = everyFileRead && result.read;
    for (const auto& e : result.diags.all()) diags.add(e.where(), e.message());
    std::move(result.manifests.begin(), result.manifests.end(), std::back_inserter(manifests));
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
