// Applying a plan: the engine's parallel walk (engine/apply.h), then the
// datacenter made durable, also when the walk stops on an exception, so
// that what was done is kept and the next run converges from it.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>

#include "engine/apply.h"
#include "operations/planning.h"

namespace vdc::operations {

// What the caller of an apply chooses; the rest comes from what was prepared.
struct ApplyChoices {
  int parallelism = 10;
  bool atomic = false;             // all or nothing (engine/atomic.h)
  bool allowIrreversible = false;  // atomic: take changes no undo gives back
  std::optional<std::chrono::seconds> shutdownTimeout;
  ApplyObserver* observer = nullptr;                // progress: a terminal's, a server's event stream
  const std::atomic<bool>* interrupted = nullptr;  // a stop request (a watch has none: it waits for the apply)
};

// The options every apply of a prepared plan runs with (the command line,
// a server, a watch, an import): its writer's lease and the host files its
// manifests may name, and the caller's choices.
ApplyOptions applyOptions(const Prepared& prepared, const ApplyChoices& choices);

// Why `plan` may not be applied with `options`, one line each: a delete or
// replace of a protected resource it is not allowed (engine/policy.h), and,
// atomic, a change no undo could give back (engine/atomic.h); "" when none.
std::string refusals(const Plan& plan, const ApplyOptions& options);

// Progress goes to `options.observer`; a stop request to `options.interrupted`.
// Throws Failure(Refused), changing nothing, when there are refusals.
ApplyReport execute(const Plan& plan, Datacenter& datacenter, const LiveState& live, const ApplyOptions& options);

}  // namespace vdc::operations
