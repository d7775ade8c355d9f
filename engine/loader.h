// Loads a VDC directory: every *.yaml / *.yml below it (hidden folders
// skipped), every document, fully checked. The Vdc is usable only when
// `diags` stays empty.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "engine/model.h"

namespace vdc {

Vdc loadVdc(const std::string& directory, Diagnostics& diags);

// The manifest files loadVdc reads, sorted.
std::vector<std::filesystem::path> manifestFiles(const std::filesystem::path& root, Diagnostics& diags);

}  // namespace vdc
