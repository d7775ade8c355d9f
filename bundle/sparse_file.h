// Files that keep their holes: disk contents are written with each run of
// zeros skipped over (left unallocated), and read back as the extents that
// hold data. A sparse disk so stays sparse in the spool of an export, in the
// bundle itself and in the scratch file of an import.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "base/safe_file.h"  // FileDescriptor

namespace vdc::bundle {

// Appends to an open file descriptor, seeking over blocks of zeros.
class HoleWriter {
 public:
  explicit HoleWriter(int fd) : fd_(fd) {}
  void write(std::string_view bytes);
  // Sets the file's length to what was written: a file that ends in zeros
  // ends in a hole. Throws Error when the file cannot be written.
  void finish();
  uint64_t written() const { return length_; }

 private:
  int fd_;
  uint64_t length_ = 0;
};

struct Extent {
  uint64_t offset = 0, length = 0;
  bool operator==(const Extent&) const = default;
};

// Where the first `length` bytes of the file hold data, in order (the file
// system's view: on one without holes, the whole file is one extent).
std::vector<Extent> dataExtents(int fd, uint64_t length);

}  // namespace vdc::bundle
