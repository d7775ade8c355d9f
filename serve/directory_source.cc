#include "serve/directory_source.h"

#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "engine/hash.h"
#include "base/safe_file.h"

namespace vdc::serve {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMostFileBytes = 16ull << 20, kMostBytes = 256ull << 20;
constexpr size_t kMostEntries = 20'000;

}  // namespace

DirectorySource::DirectorySource(std::string directory) : directory_(std::move(directory)) {}

void DirectorySource::fetch() {
  Files files;
  std::vector<std::string> leftOut;
  uint64_t total = 0;
  size_t entries = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(directory_, fs::directory_options::none, ec), end;
  if (ec) throw Error("cannot read directory " + directory_ + ": " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw Error("cannot read directory " + directory_ + ": " + ec.message());
    if (++entries > kMostEntries) throw Error("directory " + directory_ + " holds more than 20,000 entries");
    fs::file_status status = it->symlink_status(ec);
    std::string relative = it->path().lexically_relative(directory_).generic_string();
    if (relative == ".vdc" || relative.starts_with(".vdc/") || relative == ".git" || relative.starts_with(".git/")) {
      if (fs::is_directory(status)) it.disable_recursion_pending();
      continue;
    }
    if (fs::is_directory(status)) continue;
    if (!fs::is_regular_file(status)) {
      leftOut.push_back(relative);
      continue;
    }
    uint64_t size = fs::file_size(it->path(), ec);
    if (ec || size > kMostFileBytes) throw Error("file " + it->path().string() + " is larger than 16 MiB");
    if ((total += size) > kMostBytes) throw Error("directory " + directory_ + " holds more than 256 MiB");
    std::ifstream in(it->path(), std::ios::binary);
    files[relative].assign(std::istreambuf_iterator<char>(in), {});
  }
  // The digest covers names and bytes, each length-prefixed: no two trees share one.
  Sha256 digest;
  for (const auto& [name, bytes] : files) {
    digest.update(std::to_string(name.size()) + ":" + name + std::to_string(bytes.size()) + ":");
    digest.update(bytes);
  }
  std::string revision = digest.hex().substr(0, 40);
  std::lock_guard lock(mutex_);
  if (revision != head_) {
    // The head before stays: it may be the revision in force.
    for (auto r = revisions_.begin(); r != revisions_.end();) r = r->first == head_ ? std::next(r) : revisions_.erase(r);
    revisions_[revision] = std::move(files);
    head_ = revision;
  }
  leftOut_ = std::move(leftOut);
}

std::string DirectorySource::head(const std::string&) const {
  std::lock_guard lock(mutex_);
  return head_;
}

std::vector<std::string> DirectorySource::writeTree(const std::string& revision, const std::string& path,
                                                    const std::string& into, const std::string&) {
  std::lock_guard lock(mutex_);
  auto found = revisions_.find(revision);
  if (found == revisions_.end()) throw Error("revision " + revision + " of " + directory_ + " is no longer held");
  std::string prefix = path == "." || path.empty() ? "" : fs::path(path).lexically_normal().generic_string() + "/";
  fs::remove_all(into);
  fs::create_directories(into);
  for (const auto& [name, bytes] : found->second) {
    if (!name.starts_with(prefix)) continue;
    fs::path file = fs::path(into) / name.substr(prefix.size());
    fs::create_directories(file.parent_path());
    replaceFile(file.string(), bytes);
  }
  return leftOut_;
}

}  // namespace vdc::serve
