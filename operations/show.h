// What a VDC holds on its target, each resource with its state and whether
// it is as the manifests want it: `vdc show`, and a console's resource table.
#pragma once

#include <string>
#include <vector>

#include "engine/model.h"
#include "engine/provider.h"

namespace vdc::operations {

struct ShownResource {
  ResourceId id;
  std::string physicalName;  // "" for a record with no object of its own
  std::string specHash;
  std::string state;   // the spec's state ("running", ...); "" when it has none
  std::string status;  // "in sync", "changed" or "not in manifests"
  // Its fields changed outside vdc: what the target shows differs from what
  // vdc recorded (top-level names, in order).
  std::vector<std::string> drifted;
  Json spec;           // as in force
};

struct Shown {
  std::string vdc;
  std::string target;
  std::string revision;  // the git revision a watch last applied whole ("" when none)
  std::vector<ShownResource> resources;  // in address order
  Json toJson() const;  // specs/show.schema.json
};

// Reads `vdc`'s live state on `datacenter` and compares each resource with
// the manifests, placement and addresses planned as a plan would (a network
// out of addresses or hosts out of room shows as "changed").
Shown show(Vdc& vdc, Datacenter& datacenter);

}  // namespace vdc::operations
