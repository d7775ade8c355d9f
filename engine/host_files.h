// Files of the host that a manifest names: an Image's `source`, a
// listener's `certificate`. Their contents go into the datacenter (a
// volume, a guest's seed), so a name must never reach a file the VDC has no
// business with: not /proc, /sys or /dev, never a FIFO, a socket or
// anything but a regular file, and, for manifests that arrived from a
// repository (`vdc watch`) or a bundle (`vdc import`), nothing outside
// their own directory or a directory the Target allows (docs/model.md).
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/file_descriptor.h"
#include "engine/model.h"

namespace vdc {

struct HostFileRule {
  std::string directory;  // the VDC's: relative names start here
  // The manifests came from a repository or a bundle: only `directory`
  // and `allowed` may be named. A plain plan or apply of a local
  // directory may name any regular file its user can read.
  bool confined = false;
  std::vector<std::string> allowed;  // a Target's spec.allowedPaths
  // Images an import fills from its bundle: their source is never read.
  std::set<ResourceId> carried;
};

// The file `named` (a path, relative to the rule's directory, or a file://
// URL) stands for, with every link resolved; throws Error when the rule
// refuses it. A file that is not there is not refused here.
std::string resolveHostFile(const HostFileRule& rule, const std::string& named);

// Opens the file for reading, as resolveHostFile allows, without blocking
// (a FIFO that appeared meanwhile is refused, not waited on); it must be a
// regular file. Returns the descriptor; throws Error.
FileDescriptor openHostFile(const HostFileRule& rule, const std::string& named);

// Its whole contents, when it holds at most `maxBytes`; throws Error.
std::string readHostFile(const HostFileRule& rule, const std::string& named, uint64_t maxBytes);

// Adds to `problems`, at the manifest's place, every file the VDC names
// that the rule refuses: checked when planning, before anything is made.
void checkHostFiles(const Vdc& vdc, const HostFileRule& rule, Diagnostics& problems);

}  // namespace vdc
