// What every operation starts with: the manifests loaded (every problem at
// once), the target opened, the VDC locked for a writer, its live state read.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "engine/live.h"
#include "engine/lease.h"
#include "engine/model.h"
#include "engine/provider.h"
#include "engine/replicas.h"
#include "operations/failure.h"

namespace vdc::operations {

// The VDC in `directory`; throws Failure(Invalid) with every problem when it
// does not validate.
Vdc load(const std::string& directory);

// The datacenter of a Target file, or the embedded one (providers/targets).
DatacenterPtr openTarget(const std::optional<std::string>& targetFile);

// Takes the lock of `vdc` where the datacenter's writers meet (the
// Target's coordination, or the datacenter's own); throws Failure(Locked)
// naming who holds it, Error when the lock cannot be reached.
LeasePtr lockVdc(Datacenter& datacenter, const std::string& vdc, const std::string& purpose);

// Joins the replicas of controllers that meet where the Target says
// (coordination.etcd) as `name`; none when it names no such place: then one
// controller is all there is. One process joins each place once: its VDCs
// on Targets that meet in the same etcd share one membership.
std::shared_ptr<Replicas> joinReplicas(const std::optional<std::string>& targetFile, const std::string& name,
                                       const std::string& purpose);

// Reads the live state of `vdc`, logging how long it took.
LiveState readLive(Datacenter& datacenter, const std::string& vdc);

// This machine's name without its domain, the default name of a replica
// ("replica" when it is no DNS label).
std::string hostName();

double millisecondsSince(std::chrono::steady_clock::time_point start);

}  // namespace vdc::operations
