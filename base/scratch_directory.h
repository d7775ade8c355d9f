// A private directory under $TMPDIR, removed with everything in it when it
// goes out of scope: for files made on the way (a seed before its upload,
// an image before its import, a bundle's disks before they are made) and
// for tests (engine/test_support.h). The one temporary-directory class.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include "base/error.h"

namespace vdc {

class ScratchDirectory {
 public:
  explicit ScratchDirectory(const std::string& purpose) {
    std::string pattern = (std::filesystem::temp_directory_path() / ("vdc-" + purpose + "-XXXXXX")).string();
    if (!mkdtemp(pattern.data())) throw Error("cannot make a scratch directory in " + pattern);
    path_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace vdc
