// Planning a VDC against its target: what `vdc plan` shows, `vdc apply`
// performs after a confirmation, and a controller applies unasked. A saved
// plan is applied only while the target is as it was when it was made.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engine/filter.h"
#include "engine/host_files.h"
#include "engine/live.h"
#include "engine/lock.h"
#include "engine/model.h"
#include "engine/plan.h"
#include "engine/provider.h"

namespace vdc::operations {

// The git revision `vdc watch` last applied whole, kept in the VDC's record.
inline constexpr const char* kRevisionField = "revision";

struct Planning {
  Plan plan;
  Diagnostics problems;               // the plan may not be applied while there are any
  std::vector<std::string> warnings;  // worth a look, no reason to stop (overlapping networks)
};

// Checks that the target can hold the VDC, plans placement and addresses,
// then compares (engine/placement.h, engine/addresses.h, engine/diff.h),
// logging how long it took. The VDC record's revision is kept as the
// target has it unless `desired` sets one: only a watch says which commit
// runs. Host files the manifests name are checked against `files` (its
// directory is the VDC's).
// `replace`: replaced whether or not they changed (--replace).
Planning makePlan(Vdc& desired, const LiveState& live, Datacenter& datacenter, bool destroy, HostFileRule files = {},
                  const std::set<ResourceId>& replace = {});

// What the manifests of `vdc` may name of the host: anything, for a local
// directory; with `confined` (they came from a repository or a bundle),
// only their own directory and the Target's spec.allowedPaths.
HostFileRule hostFileRule(const Vdc& vdc, const std::optional<std::string>& targetFile, bool confined);
// The same for manifests that were in `directory` (a saved plan's).
HostFileRule hostFileRule(const std::string& directory, const std::optional<std::string>& targetFile, bool confined);

// The revision the VDC's record on the target names ("" when none).
std::string recordedRevision(const LiveState& live, const std::string& vdc);
// A plan made outside the watch keeps the revision the watch recorded on the
// VDC's record: `desired`'s VirtualDataCenter takes it, unless it has one.
void keepRecordedRevision(Vdc& desired, const LiveState& live);

// A plan ready to apply, with what applying it needs.
struct Prepared {
  std::optional<Vdc> vdc;  // none for a saved plan
  DatacenterPtr datacenter;
  LeasePtr lease;  // held when prepared for a writer
  LiveState live;
  Plan plan;
  HostFileRule files;  // which host files its manifests may name, as they were planned
  std::vector<std::string> warnings;
};

// Where and what to plan. A writer names its purpose ("vdc apply") and
// holds the VDC's lock from before the live state is read.
struct PlanRequest {
  std::string directory = ".";
  std::optional<std::string> target;  // a Target file; none: the embedded datacenter
  bool destroy = false;
  std::string lockPurpose;  // "": a reader, no lock
  // The manifests came from a repository (a server's VDC): the host files
  // they name are held to their directory and the Target's allowedPaths.
  bool confined = false;
  PlanFilter filter;  // --only, --exclude: a partial plan (engine/filter.h)
  std::vector<std::string> replace;  // --replace: "Kind/name", an Instance with replicas by its base name
};

// Loads, opens, locks and plans. Throws Failure: Invalid when the
// manifests do not validate, Locked, Refused when the plan has problems.
Prepared prepare(const PlanRequest& request);

// Reads the plan saved in `planFile` and readies it on its target, locked
// for `lockPurpose`. Throws Failure(Invalid) when the target is not the one
// it was made for, Failure(Stale) when the target changed since. With
// `confined`, the host files it names are held to its directory and the
// Target's allowedPaths, as PlanRequest::confined.
Prepared prepareSaved(const std::string& planFile, const std::optional<std::string>& target,
                      const std::string& lockPurpose, bool confined = false);

}  // namespace vdc::operations
