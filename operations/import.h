// Making a bundle's VDC on a target (docs/bundles.md). Everything is checked
// before anything is made: the bundle whole, then the manifests (as `vdc
// validate` would), then the plan on the target (placement, capacity,
// addresses). Only then are disks and resources made.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "engine/apply.h"
#include "operations/applying.h"
#include "operations/progress.h"

namespace vdc::operations {

struct ImportRequest {
  std::string bundle;
  std::optional<std::string> target;
  std::optional<std::string> into;  // default: the VDC's name, under the working directory
  // A VDC of the bundle's name that already lives on the target is refused
  // unless asked for in words: the import then plans it to the bundle,
  // updating and deleting what differs.
  bool ontoExisting = false;
  ApplyChoices apply;  // parallelism, observer, stop request
};

struct Imported {
  std::string vdc;
  std::string directory;  // where its manifests are
  size_t manifestFiles = 0;
  std::string target;     // as described
  size_t existing = 0;    // resources of the VDC the target held before (ontoExisting)
  Plan plan;
  bool approved = false;  // false: stopped at the approval, nothing made
  ApplyReport report;
};

// Called once the plan is known, before anything is made: false stops the
// import there (the manifests stay unpacked).
using ImportApproval = std::function<bool(const Imported& soFar)>;

// Throws Error when anything is refused before the target is touched (the
// directory made for the manifests is removed; the message ends "nothing
// was imported."), or when the apply stops on an exception (the message
// says how to converge). Failed operations are in the report.
Imported importBundle(const ImportRequest& request, DiskObserver& disks, const ImportApproval& approve);

}  // namespace vdc::operations
