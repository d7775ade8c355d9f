// Dependents follow a replace: when an object is made anew, whatever holds
// on to it is let go of first and takes the new one after (an Instance
// re-attaches its Volume, re-plugs its NIC), or, when it is made of the old
// object (a copy-on-write child of an Image), is made anew too. Each kind
// says which of its references do what (KindRules::onReplaced).
#pragma once

#include <functional>

#include "engine/live.h"
#include "engine/model.h"
#include "engine/plan.h"

namespace vdc {

// The change of a resource the diff found unchanged: an update of nothing,
// which following a replace fills in.
using UnchangedChange = std::function<Change(const Resource& r, const LiveObject& object)>;

// Adds to `plan` (as diff made it, before it is sorted) what follows its
// replaces: an update that lists the replaced objects it follows
// (Change::follows), or a replace. Transitive: a Volume made again because
// its Image is follows on to the Instance that attaches it.
void followReplaces(Plan& plan, const Vdc& desired, const LiveState& live, const UnchangedChange& unchanged);

// Whether an object of `kind` with `spec` holds on to `referred` (a disk
// attached, a NIC plugged in), as opposed to naming it (a load balancer's
// members): letting go of it must come before it goes.
bool holdsOn(Kind kind, const Json& spec, const ResourceId& referred);

// One line per followed object, as a plan shows it: "re-attaches
// Volume/db-data", "re-plugs NIC 0 (Network/front)".
std::vector<std::string> describeFollows(const Change& change);

// "restarts the instance" when following a replace stops a running guest
// and starts it again (a running guest lets go by stopping); "" otherwise.
std::string followNote(const Change& change);

}  // namespace vdc
