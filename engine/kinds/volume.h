// Volume: a block device of a size, empty or a copy-on-write child of an
// Image, in a storage class (a pool on each target).
#pragma once

#include <string>

#include "engine/model.h"

namespace vdc {

// The storage class of Volumes that name none, and where images, root
// disks and seeds always go.
inline constexpr const char* kStandardStorageClass = "standard";

// A Volume's spec (or its record's) as providers read it, with the kind's defaults.
class VolumeSpec {
 public:
  explicit VolumeSpec(const Json& spec) : spec_(spec) {}
  std::string storageClass() const { return spec_.value("storageClass", kStandardStorageClass); }

 private:
  const Json& spec_;
};

}  // namespace vdc
