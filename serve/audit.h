// Every mutating call to the server, one JSON line each, appended to the
// audit log: {time, token, vdc, action, revision, result, message}. The
// token's name, never the token.
#pragma once

#include <mutex>
#include <string>

#include "base/file_descriptor.h"
#include "engine/model.h"

namespace vdc::serve {

class AuditLog {
 public:
  // Opens (or makes, readable by its owner only) `file` for appending.
  explicit AuditLog(const std::string& file);

  void write(const std::string& token, const std::string& vdc, const std::string& action, const std::string& revision,
             const std::string& result, const std::string& message = "");

 private:
  FileDescriptor fd_;
  std::mutex mutex_;
};

}  // namespace vdc::serve
