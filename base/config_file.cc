#include "base/config_file.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "base/text.h"

namespace vdc {

namespace fs = std::filesystem;

namespace {

// Keys given twice, anywhere in the file (a bounded walk: aliases may repeat nodes).
void rejectDuplicateKeys(const std::string& file, const YAML::Node& node, Diagnostics& diags, size_t& budget) {
  if (budget == 0 || --budget == 0) return;
  if (node.IsSequence()) {
    for (const auto& item : node) rejectDuplicateKeys(file, item, diags, budget);
  } else if (node.IsMap()) {
    std::map<std::string, Location> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.IsScalar()) {
        auto [first, fresh] = seen.emplace(it->first.Scalar(), at(file, it->first));
        if (!fresh)
          diags.add(at(file, it->first), "duplicate key '" + it->first.Scalar() + "' (first at " + first->second.str() + ")");
      }
      rejectDuplicateKeys(file, it->second, diags, budget);
    }
  }
}

}  // namespace

YAML::Node loadConfigFile(const std::string& file, uint64_t maxBytes, const std::string& what, Diagnostics& diags) {
  YAML::Node doc;
  try {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec) || fs::file_size(file, ec) > maxBytes)
      throw Error(what + " " + file + " is not a regular file of at most " + std::to_string(maxBytes) + " bytes");
    doc = YAML::LoadFile(file);
  } catch (const YAML::BadFile&) {
    throw Error("cannot read " + what + " " + file);
  } catch (const YAML::Exception& e) {
    throw Error("invalid YAML: " + e.msg, {file, e.mark.line + 1, e.mark.column + 1});
  }
  size_t budget = 100'000;
  rejectDuplicateKeys(file, doc, diags, budget);
  return doc;
}

Location at(const std::string& file, const YAML::Node& node) {
  return Location{file, node.Mark().line + 1, node.Mark().column + 1};
}

std::string textOf(const std::string& file, const YAML::Node& node, const std::string& what, Diagnostics& diags,
                   const std::string& fallback) {
  if (!node || node.IsNull()) return fallback;
  if (!node.IsScalar()) {
    diags.add(at(file, node), what + " must be a string");
    return fallback;
  }
  return node.Scalar();
}

bool mappingOf(const std::string& file, const YAML::Node& node, const std::string& what, Diagnostics& diags) {
  if (node && node.IsMap()) return true;
  diags.add(at(file, node), what + " must be a mapping");
  return false;
}

void rejectUnknownKeys(const std::string& file, const YAML::Node& map, const std::vector<std::string>& known,
                       const std::string& where, Diagnostics& diags) {
  if (!map.IsMap()) return;
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string name = it->first.as<std::string>("");
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string message = "unknown field '" + name + "' in " + where;
    if (auto guess = closestMatch(name, known)) message += " (did you mean '" + *guess + "'?)";
    diags.add(at(file, it->first), message);
  }
}

long numberOf(const std::string& file, const YAML::Node& node, const std::string& what, Diagnostics& diags, long fallback,
              long least, long most) {
  std::string text = textOf(file, node, what, diags);
  if (text.empty()) return fallback;
  if (text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos || std::stol(text) < least ||
      std::stol(text) > most) {
    diags.add(at(file, node), what + " must be a whole number from " + std::to_string(least) + " to " + std::to_string(most));
    return fallback;
  }
  return std::stol(text);
}

}  // namespace vdc
