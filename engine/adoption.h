// Manifests for what a target holds and no VDC owns (`vdc export
// --from-live`): each object becomes a resource whose `vdc/adopt`
// annotation names it, so the first apply takes it over in place instead of
// making it anew (docs/adoption.md).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/live.h"

namespace vdc {

struct AdoptionManifests {
  std::map<std::string, std::string> files;  // file name -> YAML text
  std::vector<std::string> skipped;          // "Instance 'old-vm' (legacy): why", one per object left out
};

// The VDC `vdc` adopting every adoptable unowned object of `live`. Resource
// names are the objects' names made DNS labels; an Instance is left out
// when a network or volume it uses is.
AdoptionManifests adoptionManifests(const std::string& vdc, const std::string& description, const LiveState& live);

// `physical` as a DNS label: lower case, other characters as '-', at most 63.
std::string resourceNameFor(const std::string& physical);

}  // namespace vdc
