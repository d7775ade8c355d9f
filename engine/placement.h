// Placement: which host each resource lives on, decided in the plan.
//
// On a datacenter of several hosts every resource's planned spec gets
// `hosts`, the hosts it is made on: an Instance, its Volumes and a load
// balancer one each; an Image every host that runs something made from it
// (and those it is already on: a copy stays until the Image goes); networks,
// security groups, key pairs and the VDC record every host. The datacenter
// routes each change by it; a changed host of an Instance is a replacement.
//
// An Instance keeps the host it runs on. A new one goes where
// `placement.host` says, or else to the host with room for its cpus and
// memory (by the Target's capacities) that has fewest replicas of the same
// Instance in its `placement.spreadBy` domain (`host`, or a host label),
// then the most free memory, then the first by name. Capacity is checked on
// a single host too; nothing is written into specs there.
#pragma once

#include <vector>

#include "base/error.h"
#include "engine/live.h"
#include "engine/model.h"
#include "engine/provider.h"

namespace vdc {

void planPlacement(Vdc& desired, const LiveState& live, const std::vector<HostInfo>& hosts, Diagnostics& problems);

}  // namespace vdc
