// Turns manifests into a Vdc: checks names, references and addresses across
// documents, expands replicas, resolves load balancer backends and hashes
// every spec. All problems go to `diags`.
#pragma once

#include <vector>

#include "engine/manifest.h"
#include "engine/model.h"

namespace vdc {

// `complete` is false when some file could not be parsed: documents may be
// missing, so "no VirtualDataCenter" is not reported.
Vdc resolve(std::vector<Manifest> manifests, Diagnostics& diags, bool complete = true);

// The resources `spec` of `kind` refers to (without dependsOn).
std::vector<ResourceId> specReferences(Kind kind, const Json& spec);

}  // namespace vdc
