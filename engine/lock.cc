#include "engine/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "base/error.h"
#include "base/safe_file.h"

namespace vdc {

namespace {

// "token N\nHOLDER\n": a file anyone on the machine might have edited, read
// no further than its first bytes.
struct LockFile {
  uint64_t token = 0;
  std::string holder;
};

LockFile readLockFile(int fd) {
  char buffer[1024];
  ssize_t n = pread(fd, buffer, sizeof buffer, 0);
  std::string text(buffer, n > 0 ? static_cast<size_t>(n) : 0);
  LockFile file;
  if (text.starts_with("token ")) {
    auto end = text.find('\n');
    std::string digits = text.substr(6, end == std::string::npos ? std::string::npos : end - 6);
    char* stop = nullptr;
    uint64_t value = std::strtoull(digits.c_str(), &stop, 10);
    if (!digits.empty() && *stop == '\0') file.token = value;
    text = end == std::string::npos ? "" : text.substr(end + 1);
  }
  while (!text.empty() && text.back() == '\n') text.pop_back();
  file.holder = text;
  return file;
}

void writeLockFile(int fd, const LockFile& file) {
  std::string text = "token " + std::to_string(file.token) + "\n" + file.holder + (file.holder.empty() ? "" : "\n");
  if (ftruncate(fd, 0) != 0 || pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
    throw Error("cannot write a lock file");
}

class FileLease : public Lease {
 public:
  FileLease(FileDescriptor fd, uint64_t token) : fd_(std::move(fd)), token_{"file", token} {}
  ~FileLease() override {
    // The token stays for the next holder; the holder's name goes.
    try {
      writeLockFile(fd_.get(), {token_.value, ""});
    } catch (...) { /* the holder text is advisory */ }
  }
  FencingToken token() const override { return token_; }
  void check() const override {}  // held until this process closes it or dies

 private:
  FileDescriptor fd_;  // the flock is held while it is open
  FencingToken token_;
};

}  // namespace

std::string FileLocks::pathOf(const std::string& vdc) const {
  return (std::filesystem::path(directory_) / (vdc + ".lock")).string();
}

LeasePtr FileLocks::tryAcquire(const std::string& vdc, const std::string& purpose, std::string& holder) {
  std::string path = pathOf(vdc);
  // A link planted at the lock's name, or a directory others can write, is refused.
  checkPrivateDirectory(directory_);
  FileDescriptor fd = openNoFollow(path, O_RDWR | O_CREAT);
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    holder = shownHolder(readLockFile(fd.get()).holder);
    return nullptr;
  }
  LockFile file = readLockFile(fd.get());
  file.token = nextToken(file.token);
  file.holder = holderText(purpose);
  try {
    writeLockFile(fd.get(), file);
  } catch (const Error&) {
    throw Error("cannot write lock file " + path);
  }
  return std::make_unique<FileLease>(std::move(fd), file.token);
}

}  // namespace vdc
