// Writing a bundle (bundle.h), member by member, with each member's sha256
// computed as it streams through; SHA256SUMS goes last. The archive is
// written beside its final name (BUNDLE.partial-XXXXXX) and renamed there
// when finished: a failed export leaves no bundle that looks whole.
//
// A disk's holes stay holes: its bytes go first to a spool file beside the
// bundle (unlinked at once, so nothing is left behind), with runs of zeros
// skipped; the member is then written as a sparse file (pax, GNU sparse
// format 1.0) holding only the extents with data. Memory stays flat; the
// spool takes what the disk has allocated, for as long as the member.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/file_descriptor.h"
#include "bundle/sparse_file.h"
#include "support/archive_handles.h"

namespace vdc::bundle {

class BundleWriter {
 public:
  explicit BundleWriter(std::string file);
  ~BundleWriter();
  BundleWriter(const BundleWriter&) = delete;
  BundleWriter& operator=(const BundleWriter&) = delete;

  void add(const std::string& member, std::string_view contents);
  // A member of `size` bytes read in pieces from `read`, which fills up to
  // `capacity` bytes and returns how many (0 at the end). Memory stays flat.
  using Source = std::function<size_t(char* buffer, size_t capacity)>;
  void add(const std::string& member, uint64_t size, const Source& read);
  // The same, with the bytes pushed: `produce` calls its argument with each
  // piece in turn (a libvirt download gives them so). Written sparse.
  using Take = std::function<void(const char* bytes, size_t size)>;
  void add(const std::string& member, uint64_t size, const std::function<void(const Take&)>& produce);
  // Writes SHA256SUMS and puts the bundle in place.
  void finish();

 private:
  // `data`: where a sparse member's data is (none: all of it).
  void header(const std::string& member, uint64_t size, const std::vector<Extent>* data = nullptr);
  void write(const char* bytes, size_t size);

  std::string file_, partial_;
  FileDescriptor fd_;
  ArchiveWriter archive_;
  std::vector<std::pair<std::string, std::string>> digests_;
  bool finished_ = false;
};

}  // namespace vdc::bundle
