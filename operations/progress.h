// What an operation tells its caller while it works, beyond the apply's own
// observer (engine/apply.h): the bytes of each disk an export or import carries.
#pragma once

#include <cstdint>
#include <string>

namespace vdc::operations {

class DiskObserver {
 public:
  virtual ~DiskObserver() = default;
  // `what`: "exporting Volume/data"; `total`: its bytes.
  virtual void started(const std::string& /*what*/, uint64_t /*total*/) {}
  virtual void carried(uint64_t /*bytes*/) {}
  virtual void finished() {}
};

}  // namespace vdc::operations
