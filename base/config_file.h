// Small YAML files that configure vdc rather than describe a VDC (a Target,
// the server's configuration, its tokens): bounded in size, every problem
// reported at its FILE:LINE:COL, a key given twice or a field of the wrong
// type an error, never a silent default.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "base/error.h"

namespace vdc {

// Parses `file`, a regular file of at most `maxBytes`; throws Error (with the
// place of a YAML syntax error) when it cannot. Keys given twice anywhere
// are added to `diags`.
YAML::Node loadConfigFile(const std::string& file, uint64_t maxBytes, const std::string& what, Diagnostics& diags);

Location at(const std::string& file, const YAML::Node& node);

// A scalar (or `fallback` when absent); anything else is an error at its place.
std::string textOf(const std::string& file, const YAML::Node& node, const std::string& what, Diagnostics& diags,
                   const std::string& fallback = "");
// Whether `node` is a mapping; an error at its place when it is not.
bool mappingOf(const std::string& file, const YAML::Node& node, const std::string& what, Diagnostics& diags);
// A whole number from `least` to `most`; `fallback` when absent, or wrong
// (an error at its place).
long numberOf(const std::string& file, const YAML::Node& node, const std::string& what, Diagnostics& diags, long fallback,
              long least, long most);
// Each key of `map` that is not in `known` is an error at its place, with a
// suggestion when it looks like a typo of one.
void rejectUnknownKeys(const std::string& file, const YAML::Node& map, const std::vector<std::string>& known,
                       const std::string& where, Diagnostics& diags);

}  // namespace vdc
