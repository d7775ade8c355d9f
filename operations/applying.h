// Applying a plan: the engine's parallel walk (engine/apply.h), then the
// datacenter made durable, also when the walk stops on an exception, so
// that what was done is kept and the next run converges from it.
#pragma once

#include "engine/apply.h"

namespace vdc::operations {

// Progress goes to `options.observer`; a stop request to `options.interrupted`.
// Throws Failure(Refused), changing nothing, when the plan deletes or
// replaces a protected resource it is not allowed to (engine/policy.h), or
// an atomic apply could not undo a change of it (engine/atomic.h).
ApplyReport execute(const Plan& plan, Datacenter& datacenter, const LiveState& live, const ApplyOptions& options);

}  // namespace vdc::operations
