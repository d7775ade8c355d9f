// An open file descriptor, owned: closed once, when its owner goes (or
// closed early, where a failure to close is a failure to write). Every
// descriptor vdc opens is held by one.
#pragma once

#include <utility>

namespace vdc {

class FileDescriptor {
 public:
  FileDescriptor() = default;
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() { reset(); }
  FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
  FileDescriptor& operator=(FileDescriptor&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  // Gives the descriptor up: its closing is the caller's.
  int release() { return std::exchange(fd_, -1); }
  // Closes what is held (its error ignored), then holds `fd`.
  void reset(int fd = -1);
  // Closes it now; false (errno set) when close reports an error, as it may
  // for data written but not yet on the disk.
  bool close();

 private:
  int fd_ = -1;
};

}  // namespace vdc
