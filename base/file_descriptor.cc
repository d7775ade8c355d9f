#include "base/file_descriptor.h"

#include <unistd.h>

namespace vdc {

void FileDescriptor::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

bool FileDescriptor::close() {
  int fd = release();
  return fd < 0 || ::close(fd) == 0;
}

}  // namespace vdc
