// Carrying a VDC out of a target: into a bundle, manifests and disks
// (bundle/bundle.h, docs/bundles.md), or, for what no VDC owns yet, into
// manifests that adopt it (engine/adoption.h, docs/adoption.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "operations/progress.h"

namespace vdc::operations {

struct ExportRequest {
  std::string directory = ".";
  std::optional<std::string> target;  // a Target file; none: the embedded datacenter
  std::string output;                 // the bundle to write
};

struct Exported {
  std::string vdc;
  std::string target;  // as described: "embedded datacenter .vdc/sim.xml"
  size_t manifestFiles = 0;
  size_t disks = 0;
  uint64_t bytes = 0;
  // When the target differs from the manifests: the plan's summary. The
  // bundle carries the manifests, and the disks as they are.
  std::optional<Summary> differs;
};

// Throws Failure(Invalid) when the manifests do not validate, Error when
// the bundle cannot be written.
Exported exportBundle(const ExportRequest& request, DiskObserver& disks);

struct AdoptionRequest {
  std::optional<std::string> target;
  std::string output;  // a directory, new or empty
  std::optional<std::string> name;  // the VDC's name; default: from `output`
};

struct AdoptionExported {
  std::string vdc;
  std::string target;
  size_t adopted = 0;
  std::vector<std::string> skipped;  // why each object left out was left out
};

// Writes manifests into `output` that adopt what the target holds and no VDC owns.
AdoptionExported exportAdoption(const AdoptionRequest& request);

}  // namespace vdc::operations
