// `vdc forget`: the VDC stops managing some of its objects, which stay on
// the target, owned by no VDC: the inverse of adoption (docs/adoption.md).
// What the manifests still hold, the next plan refuses to make again until
// its manifest goes or adopts the object back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/live.h"
#include "engine/model.h"

namespace vdc::operations {

struct ForgetRequest {
  std::string directory = ".";
  std::optional<std::string> target;   // a Target file; none: the embedded datacenter
  std::vector<std::string> addresses;  // "Kind/name"; an Instance with replicas by its base name
};

struct Forgotten {
  ResourceId id;
  std::string physicalName;  // what stays on the target
  bool inManifests = false;  // the manifests still hold it
};

// Throws Failure: Invalid when an address names nothing the target holds
// for the VDC or a kind vdc cannot adopt again (all such at once, nothing
// forgotten), Locked when another writer holds the VDC.
std::vector<Forgotten> forget(const ForgetRequest& request);

// Whether vdc can adopt `object` again once it is forgotten, and if not, why.
std::optional<std::string> cannotForget(const LiveObject& object);

}  // namespace vdc::operations
