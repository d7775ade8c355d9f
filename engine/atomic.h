// An atomic apply (`vdc apply --atomic`): every create, update and
// adoption first; deletes and replacements only once all of those
// succeeded; and when any operation fails, what this apply did is undone,
// so that the target is as it was before (docs/atomic.md).
#pragma once

#include <string>
#include <vector>

#include "engine/apply.h"

namespace vdc {

// Why undoing `change` cannot give back what was there ("the volume's
// data is lost"); "" when it can be undone.
std::string irreversibility(const Change& change);

// One line per change of `plan` an undo could not give back: what an
// atomic apply refuses unless allowed.
std::vector<std::string> irreversibleChanges(const Plan& plan);

// The changes that undo what an apply did: `before` is the target as the
// plan read it, `now` as it is, `touched` the resources an operation of
// the apply started on. The target's record of each resource before the
// apply is its desired state: created objects are deleted, updated ones
// updated back, deleted ones made again. An adopted object stays adopted.
// A record the apply left of an object it never made (providers record
// what they will make before they make it) is added to `now` as what is
// left of that object, and deleted too.
Plan undoPlan(const Plan& plan, const LiveState& before, LiveState& now, const std::vector<ResourceId>& touched);

// Applies `plan` atomically; its report's `rolledBack` says whether a
// failure was undone. Nothing is undone once the lease is lost: another
// writer may hold the VDC by then.
ApplyReport applyAtomically(const Plan& plan, Datacenter& datacenter, const LiveState& live,
                            const ApplyOptions& options);

}  // namespace vdc
