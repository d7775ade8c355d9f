// Image: a disk image from a file or an http(s) URL, checked against its
// sha256 when one is given; the base of Volumes and instances' root disks.
#pragma once

#include <string>

#include "engine/model.h"

namespace vdc {

inline constexpr const char* kDefaultImageFormat = "qcow2";

// An Image's spec as providers read it, with the kind's defaults.
class ImageSpec {
 public:
  explicit ImageSpec(const Json& spec) : spec_(spec) {}
  std::string format() const { return spec_.value("format", kDefaultImageFormat); }

 private:
  const Json& spec_;
};

}  // namespace vdc
