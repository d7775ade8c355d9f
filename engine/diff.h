// Compares the desired VDC with what the target holds and makes a Plan.
#pragma once

#include <set>
#include <string>

#include "engine/live.h"
#include "engine/model.h"
#include "engine/plan.h"

namespace vdc {

// `problems` receives what makes the plan impossible (a name taken by an
// object vdc does not own). With `destroy`, everything owned is deleted.
// What `replace` names is replaced whether or not it changed (--replace);
// naming what the target does not hold, or the manifests no longer do, is
// a problem.
Plan diff(const Vdc& desired, const LiveState& live, const std::string& target, bool destroy,
          Diagnostics& problems, const std::set<ResourceId>& replace = {});

// What `object` needed when it was made, as its record says: its delete
// goes before theirs.
std::vector<ResourceId> recordedDependencies(const std::string& vdc, const LiveObject& object);

// Whether making `object` what `r` says makes it anew: a field changes that
// forces a replacement.
bool makesAnew(const Resource& r, const LiveObject& object);

// Plans the removal of everything `vdc` owns on the target (manifests not needed).
Plan destroyPlan(const std::string& vdc, const LiveState& live, const std::string& target);

}  // namespace vdc
