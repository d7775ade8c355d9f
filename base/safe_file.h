// Files vdc keeps for itself (.vdc/: the embedded datacenter, locks, a
// watch's cache) sit in directories that may have arrived with a cloned
// repository or be shared with others: a link planted at one of their
// names must make vdc refuse, never write through it. These are the only
// ways vdc opens and replaces such files.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "base/file_descriptor.h"

namespace vdc {

// Files are made 0600 and directories 0700: what vdc keeps holds
// manifests, which carry user-data and keys.
// Makes `directory` (and its parents) if missing, then checks it: a real
// directory, not a link, owned by this user or root, and not writable by
// anyone unless sticky (as /tmp is); below the working directory, every
// directory on the way is checked so. Throws Error naming what is wrong.
void checkPrivateDirectory(const std::string& directory);

// Opens `file` without following a link (O_NOFOLLOW), with `flags` (plus
// O_CLOEXEC) and, when it is made, mode 0600; what is there must be a
// regular file. Returns the descriptor; throws Error otherwise.
FileDescriptor openNoFollow(const std::string& file, int flags);

// Whether `file` exists as a regular file of at most `maxBytes` (false when
// it is missing); throws Error when it is a link, a FIFO, a device, a
// directory or larger.
bool checkRegularFile(const std::string& file, uint64_t maxBytes);

// Writes `content` to a new file of a unique name beside `file` (mkstemp),
// syncs it and renames it over `file`, then syncs the directory: `file` is
// either the old contents or the new, whole, even across a crash.
void replaceFile(const std::string& file, const std::string& content);

// An exclusive flock on `file` (opened as openNoFollow does), waited for up
// to `patience`; released when destroyed or when the process dies.
class FileLock {
 public:
  FileLock(const std::string& file, std::chrono::milliseconds patience, const std::string& what);
  FileLock(FileLock&&) noexcept = default;
  FileLock& operator=(FileLock&&) = delete;

 private:
  FileDescriptor fd_;
};

}  // namespace vdc
