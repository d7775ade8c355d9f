// The locks of an embedded datacenter: an exclusive flock on a file per VDC
// beside the datacenter's own file. The file names the holder and keeps the
// last fencing token (the next is above it and above the time now in
// microseconds, so it grows even across a deleted file). The kernel drops a flock when its process dies, so a
// lock left by a killed process is never in the way, and needs no lease.
#pragma once

#include <string>

#include "engine/lease.h"

namespace vdc {

class FileLocks : public LockService {
 public:
  explicit FileLocks(std::string directory) : directory_(std::move(directory)) {}
  LeasePtr tryAcquire(const std::string& vdc, const std::string& purpose, std::string& holder) override;
  std::string pathOf(const std::string& vdc) const;

 private:
  std::string directory_;
};

}  // namespace vdc
