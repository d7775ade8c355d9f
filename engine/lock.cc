#include "engine/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>

#include "engine/error.h"
#include "engine/safe_file.h"

namespace vdc {

static std::string readAll(int fd) {
  std::string text;
  char buffer[512];
  ssize_t n;
  lseek(fd, 0, SEEK_SET);
  while ((n = read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, n);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::optional<ApplyLock> ApplyLock::tryAcquire(const std::string& path, const std::string& purpose,
                                               std::string& holder) {
  // A link planted at the lock's name, or a directory others can write, is refused.
  checkPrivateDirectory(std::filesystem::path(path).parent_path().string());
  int fd = openNoFollow(path, O_RDWR | O_CREAT);
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    holder = readAll(fd);
    if (holder.empty()) holder = "another vdc process";
    close(fd);
    return std::nullopt;
  }
  char host[256] = "?";
  gethostname(host, sizeof host - 1);
  std::time_t now = std::time(nullptr);
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::string text = purpose + " (pid " + std::to_string(getpid()) + " on " + host + ", since " + when + ")\n";
  if (ftruncate(fd, 0) != 0 || pwrite(fd, text.data(), text.size(), 0) < 0) {
    close(fd);
    throw Error("cannot write lock file " + path);
  }
  return ApplyLock(fd);
}

ApplyLock::ApplyLock(ApplyLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

ApplyLock::~ApplyLock() {
  if (fd_ < 0) return;
  if (ftruncate(fd_, 0) != 0) { /* the holder text is advisory */ }
  close(fd_);
}

}  // namespace vdc
