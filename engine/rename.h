// Renames: a resource whose manifest says `vdc/renamed-from: OLD` takes
// over the live object of OLD in place, keeping its identity and its data
// (a domain and its disks, a volume), instead of OLD being deleted and the
// new one made (docs/model.md, "Renames"). What refers to OLD in the live
// objects is read as referring to the new name, so a rename changes no
// field of its dependents; their records are written again under the new
// name.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "engine/live.h"
#include "engine/model.h"
#include "engine/plan.h"

namespace vdc {

// Old resource -> new name, for every rename the plan carries out.
using Renames = std::map<ResourceId, std::string>;

// The renames `desired` asks for that `live` still has to carry out: the
// new name is not on the target, the old one is, as this VDC's own object
// (not one deleted outside vdc), no manifest still holds the old name, and
// no field change makes the object anew.
Renames pendingRenames(const Vdc& desired, const LiveState& live);

// The live object `r` is: its own, or the one it is renamed from.
const LiveObject* liveObjectOf(const Resource& r, const LiveState& live, const Renames& renames);

// `spec` of an object of `kind` with every reference to a renamed resource
// (a volume attached, a load balancer's member, a dependsOn entry) by its
// new name.
Json byNewNames(Kind kind, Json spec, const Renames& renames);

// The renames `plan` carries out.
Renames renamesIn(const Plan& plan);

// `object` as it is read once the renames are done: what it refers to by
// the new names (a provider's update sees no change in references that are
// only renamed, and restarts nothing for them).
LiveObject byNewNames(const LiveObject& object, const Renames& renames);

// One line per resource `change` refers to that `plan` renames, as a plan
// shows it: "refers to Volume/data (renamed from db-data)".
std::vector<std::string> describeRenamedReferences(const Plan& plan, const Change& change);

}  // namespace vdc
