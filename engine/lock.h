// One apply at a time per VDC and target: an exclusive flock on a file that
// also names its holder. The kernel drops the lock when its process dies, so
// a lock left by a killed process is never in the way.
#pragma once

#include <optional>
#include <string>

namespace vdc {

class ApplyLock {
 public:
  // Takes the lock or returns nothing and sets `holder` to who has it.
  static std::optional<ApplyLock> tryAcquire(const std::string& path, const std::string& purpose,
                                             std::string& holder);
  ApplyLock(ApplyLock&& other) noexcept;
  ApplyLock& operator=(ApplyLock&&) = delete;
  ~ApplyLock();

 private:
  explicit ApplyLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace vdc
