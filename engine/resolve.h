// Turns manifests into a Vdc: checks names, references and addresses across
// documents, expands replicas, resolves load balancer backends and hashes
// every spec. All problems go to `diags`.
#pragma once

#include <vector>

#include "engine/manifest.h"
#include "engine/model.h"

namespace vdc {

Vdc resolve(std::vector<Manifest> manifests, Diagnostics& diags);

// The resources `spec` of `kind` refers to (without dependsOn).
std::vector<ResourceId> specReferences(Kind kind, const Json& spec);

}  // namespace vdc
