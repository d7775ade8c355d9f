// What most commands share: load the manifests (reporting every error),
// open the target, take the apply lock.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "engine/live.h"
#include "engine/lock.h"
#include "engine/model.h"
#include "engine/plan.h"
#include "engine/provider.h"

namespace vdc::cli {

// Prints every error and returns nothing when the VDC does not validate.
std::optional<Vdc> loadOrReport(const std::string& directory);

DatacenterPtr openOrReport(const CommonOptions& options);

// A loaded VDC and its opened target, or nothing (errors printed).
struct Opened {
  Vdc vdc;
  DatacenterPtr datacenter;
};
std::optional<Opened> openVdcOrReport(const CommonOptions& options);

// Takes the apply lock or prints who holds it.
std::optional<ApplyLock> lockOrReport(Datacenter& datacenter, const std::string& vdc, const std::string& purpose);

// Asks on the terminal; false without a terminal (use --auto-approve).
bool confirm(const std::string& question);

void reportError(const std::string& message);

// For the timings --verbose logs.
double millisecondsSince(std::chrono::steady_clock::time_point start);

// Logs go to stderr; --verbose shows the debug level (timings, counts).
void setUpLogging(bool verbose);

// Reads the live state of `vdc`, logging how long it took.
LiveState readLive(Datacenter& datacenter, const std::string& vdc);

// The git revision `vdc watch` last applied whole, kept in the VDC's record.
inline constexpr const char* kRevisionField = "revision";

// Checks that the target can hold the VDC, plans placement and addresses,
// then compares (engine/placement.h, engine/addresses.h, engine/diff.h),
// logging how long it took. Problems go to `problems`. The VDC record's
// revision is kept as the target has it unless `desired` sets one: only
// vdc watch says which commit runs.
// Host files the manifests name are checked against `files` (its
// directory is the VDC's).
Plan makePlan(Vdc& desired, const LiveState& live, Datacenter& datacenter, bool destroy,
              Diagnostics& problems, HostFileRule files = {});

// What the manifests of `vdc` may name of the host: anything, for a local
// directory; with `confined` (they came from a repository or a bundle),
// only their own directory and the Target's spec.allowedPaths.
HostFileRule hostFileRule(const Vdc& vdc, const std::optional<std::string>& targetFile, bool confined);

// Applies `plan` with progress on a terminal, saves the datacenter and
// reports; `contents` fill new Images and Volumes (an import). Returns the
// exit code.
int execute(const Plan& plan, Datacenter& datacenter, const LiveState& live, int parallelism,
            CarriedDisks contents = {}, HostFileRule files = {});

}  // namespace vdc::cli
