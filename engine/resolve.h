// Turns manifests into a Vdc: checks names, references and addresses across
// documents, expands replicas, resolves load balancer backends and hashes
// every spec. All problems go to `diags`.
#pragma once

#include <vector>

#include "engine/manifest.h"
#include "engine/model.h"

namespace vdc {

// What a VDC may expand to: a few lines can ask for millions of objects or
// edges (replicas that depend on the replicas of another). Counted before
// anything is expanded. Instances written out one document each may be
// many; those that `replicas` makes beyond one a document are bounded
// tighter, so that a few lines never stand for more than a few hundred
// megabytes of plan.
struct ExpansionLimits {
  size_t instances = 250'000;
  size_t replicated = 50'000;
  size_t dependsOnEdges = 1'000'000;
};

// `complete` is false when some file could not be parsed: documents may be
// missing, so "no VirtualDataCenter" is not reported.
Vdc resolve(std::vector<Manifest> manifests, Diagnostics& diags, bool complete = true,
            const ExpansionLimits& limits = {});

// The resources `spec` of `kind` refers to (without dependsOn).
std::vector<ResourceId> specReferences(Kind kind, const Json& spec);

}  // namespace vdc
