#include "engine/loader.h"

#include <algorithm>
#include <filesystem>

#include "engine/graph.h"
#include "engine/manifest.h"
#include "engine/parallel.h"
#include "engine/resolve.h"

namespace vdc {

namespace fs = std::filesystem;

std::vector<fs::path> manifestFiles(const fs::path& root, Diagnostics& diags) {
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

struct DocumentResult {
  std::vector<Manifest> manifests;
  Diagnostics diags;
  bool yaml = true;
};

std::string displayPath(const fs::path& file) {
  std::string display = fs::relative(file, fs::current_path()).string();
  return display.empty() || display.starts_with("..") ? file.string() : display;
}

}  // namespace

// Parsing dominates loading, and documents are independent: every document
// of every file is read on every core, then the results are put back in
// file and document order. A document that is not YAML ends its file.
static std::vector<Manifest> readAll(const std::vector<fs::path>& paths, Diagnostics& diags, bool& everyFileRead) {
  std::vector<std::optional<ManifestText>> files(paths.size());
  std::vector<Diagnostics> fileDiags(paths.size());
  parallelFor(paths.size(), [&](size_t i) { files[i] = readManifestFile(paths[i], displayPath(paths[i]), fileDiags[i]); });

  std::vector<std::pair<size_t, size_t>> documents;  // (file, document)
  for (size_t f = 0; f < files.size(); ++f)
    for (size_t d = 0; files[f] && d < files[f]->documents.size(); ++d) documents.emplace_back(f, d);
  std::vector<DocumentResult> results(documents.size());
  parallelFor(documents.size(), [&](size_t i) {
    auto [f, d] = documents[i];
    results[i].yaml = readManifestDocument(*files[f], d, results[i].manifests, results[i].diags);
  });

  std::vector<Manifest> manifests;
  everyFileRead = true;
  size_t i = 0;
  for (size_t f = 0; f < files.size(); ++f) {
    diags.merge(std::move(fileDiags[f]));
    everyFileRead = everyFileRead && files[f];
    bool yaml = true;
    for (; i < documents.size() && documents[i].first == f; ++i) {
      if (!yaml) continue;
      yaml = results[i].yaml;
      everyFileRead = everyFileRead && yaml;
      diags.merge(std::move(results[i].diags));
      std::move(results[i].manifests.begin(), results[i].manifests.end(), std::back_inserter(manifests));
    }
  }
  return manifests;
}

Vdc loadVdc(const std::string& directory, Diagnostics& diags) {
  fs::path root(directory);
  bool everyFileRead = true;
  std::vector<Manifest> manifests = readAll(manifestFiles(root, diags), diags, everyFileRead);
  if (manifests.empty() && diags.empty())
    diags.add({directory}, "no manifests found (expected *.yaml or *.yml files)");
  Vdc vdc = resolve(std::move(manifests), diags, everyFileRead);
  vdc.directory = fs::absolute(root).lexically_normal().string();
  checkCycles(vdc, diags);
  diags.sort();
  return vdc;
}

}  // namespace vdc
