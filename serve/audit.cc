#include "serve/audit.h"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "base/error.h"
#include "engine/units.h"

namespace vdc::serve {

AuditLog::AuditLog(const std::string& file) {
  std::filesystem::create_directories(std::filesystem::path(file).parent_path());
  fd_.reset(::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd_) throw Error("cannot open the audit log " + file);
}

void AuditLog::write(const std::string& token, const std::string& vdc, const std::string& action,
                     const std::string& revision, const std::string& result, const std::string& message) {
  Json line = {{"time", utcNow()}, {"token", token}, {"vdc", vdc}, {"action", action}, {"result", result}};
  if (!revision.empty()) line["revision"] = revision;
  if (!message.empty()) line["message"] = message;
  // One write per line, with O_APPEND: lines from several threads never interleave.
  std::string text = line.dump() + "\n";
  std::lock_guard lock(mutex_);
  if (::write(fd_.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()))
    throw Error("cannot write the audit log");
}

}  // namespace vdc::serve
