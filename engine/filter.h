// A partial plan: `--only ADDR` and `--exclude ADDR` (docs/commands.md,
// "Partial plans"). A plan's changes are ordered (a make after what it
// needs, a delete before what it needed); --only keeps the named changes
// and every change that must come before them, --exclude drops the named
// ones and every change that must come after them. What is dropped stays
// in the plan as left out, with the reason.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "engine/plan.h"

namespace vdc {

struct PlanFilter {
  std::vector<std::string> only, exclude;  // "Kind/name"; an Instance with replicas by its base name
  bool empty() const { return only.empty() && exclude.empty(); }
};

// The resources `text` ("Kind/name") stands for among `known`: itself, or
// an Instance's replicas by its base name. Throws Error naming `flag` when
// it is no address or names nothing.
std::vector<ResourceId> resolveAddress(const std::string& flag, const std::string& text,
                                       const std::set<ResourceId>& known);

// Filters `plan` in place and records the filter on it. `known` are the
// resources of the VDC (manifests and target): an address that names none
// of them is an error, as a typo would be.
void filterPlan(Plan& plan, const PlanFilter& filter, const std::set<ResourceId>& known);

}  // namespace vdc
