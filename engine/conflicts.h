// What a new object takes that an object being deleted (or replaced) still
// holds: an address on a network, a volume to attach. An instance renamed without
// saying so is such a pair (a create and a delete of the same address and
// disks); the create then waits for the delete, instead of two domains
// holding one address or writing one disk at once.
#pragma once

#include <string>
#include <vector>

#include "engine/plan.h"

namespace vdc {

// What a spec holds that no other object may hold at the same time:
// "address 10.0.0.5 on Network/n", "Volume/data".
std::vector<std::string> exclusiveClaims(Kind kind, const Json& spec);

// Adds to each create, update and replace of `plan` the deletes and
// replaces it must wait for (engine/apply.h orders a make after a delete it
// depends on, and after the make of a replace).
void orderConflicts(Plan& plan);

// The deletes and replaces `change` waits for, each with what they hold that it takes.
std::vector<std::pair<ResourceId, std::string>> conflictsOf(const Plan& plan, const Change& change);

}  // namespace vdc
