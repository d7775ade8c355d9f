#include "bundle/sparse_file.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "base/error.h"

namespace vdc::bundle {

namespace {

// As the upload's: below a file system block, a hole saves nothing.
constexpr size_t kHoleBlock = 64 << 10;

bool allZero(std::string_view block) {
  return std::all_of(block.begin(), block.end(), [](char c) { return c == 0; });
}

[[noreturn]] void fail(const std::string& what) { throw Error(what + ": " + std::strerror(errno)); }

}  // namespace

void HoleWriter::write(std::string_view bytes) {
  while (!bytes.empty()) {
    std::string_view block = bytes.substr(0, kHoleBlock);
    if (!allZero(block)) {
      uint64_t at = length_;
      for (std::string_view left = block; !left.empty();) {
        ssize_t n = pwrite(fd_, left.data(), left.size(), static_cast<off_t>(at));
        if (n < 0) {
          if (errno == EINTR) continue;
          fail("cannot write a disk's spool");
        }
        at += static_cast<uint64_t>(n);
        left.remove_prefix(static_cast<size_t>(n));
      }
    }
    length_ += block.size();
    bytes.remove_prefix(block.size());
  }
}

void HoleWriter::finish() {
  if (ftruncate(fd_, static_cast<off_t>(length_)) < 0) fail("cannot write a disk's spool");
}

std::vector<Extent> dataExtents(int fd, uint64_t length) {
  std::vector<Extent> extents;
  for (off_t at = 0; static_cast<uint64_t>(at) < length;) {
    off_t data = lseek(fd, at, SEEK_DATA);
    if (data < 0) {
      if (errno == ENXIO) break;  // only a hole is left
      fail("cannot map a disk's spool");
    }
    if (static_cast<uint64_t>(data) >= length) break;
    off_t hole = lseek(fd, data, SEEK_HOLE);
    if (hole < 0) fail("cannot map a disk's spool");
    uint64_t end = std::min<uint64_t>(static_cast<uint64_t>(hole), length);
    extents.push_back({static_cast<uint64_t>(data), end - static_cast<uint64_t>(data)});
    at = static_cast<off_t>(end);
  }
  return extents;
}

}  // namespace vdc::bundle
