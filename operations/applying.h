// Applying a plan: the engine's parallel walk (engine/apply.h), then the
// datacenter made durable, also when the walk stops on an exception, so
// that what was done is kept and the next run converges from it.
#pragma once

#include "engine/apply.h"

namespace vdc::operations {

// Why `plan` may not be applied with `options`, one line each: a delete or
// replace of a protected resource it is not allowed (engine/policy.h), and,
// atomic, a change no undo could give back (engine/atomic.h).
std::vector<std::string> refusals(const Plan& plan, const ApplyOptions& options);

// Progress goes to `options.observer`; a stop request to `options.interrupted`.
// Throws Failure(Refused), changing nothing, when there are refusals.
ApplyReport execute(const Plan& plan, Datacenter& datacenter, const LiveState& live, const ApplyOptions& options);

}  // namespace vdc::operations
