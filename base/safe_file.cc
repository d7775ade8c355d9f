#include "base/safe_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>
#include <vector>

#include "base/error.h"

namespace vdc {

namespace fs = std::filesystem;

namespace {

std::string why() { return std::strerror(errno); }

void writeAll(int fd, const std::string& content, const std::string& file) {
  const char* at = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t wrote = ::write(fd, at, left);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) throw Error("cannot write " + file + ": " + why());
    at += wrote;
    left -= static_cast<size_t>(wrote);
  }
}

}  // namespace

namespace {

void checkOneDirectory(const fs::path& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) throw Error("cannot read " + path.string() + ": " + why());
  if (S_ISLNK(st.st_mode)) throw Error(path.string() + " is a symbolic link: vdc keeps its state only in a real directory");
  if (!S_ISDIR(st.st_mode)) throw Error(path.string() + " is not a directory");
  if (st.st_uid != ::geteuid() && st.st_uid != 0)
    throw Error(path.string() + " belongs to another user (uid " + std::to_string(st.st_uid) + "): vdc keeps its state "
                "only in a directory of its own");
  // Writable by anyone (a group's members are trusted, as git trusts them),
  // unless sticky as /tmp is: then nobody can replace what vdc made there.
  if ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX))
    throw Error(path.string() + " is writable by others: vdc keeps its state only in a directory of its own");
}

}  // namespace

void checkPrivateDirectory(const std::string& directory) {
  fs::path path = fs::absolute(directory).lexically_normal();
  if (path.has_filename() == false) path = path.parent_path();
  // Below the working directory (.vdc/locks), every step is checked before
  // the next is made: a link planted at .vdc leads nowhere. Elsewhere (an
  // embedded datacenter's own directory), the directory itself is.
  std::vector<fs::path> steps;
  fs::path below = path.lexically_relative(fs::current_path());
  if (!below.empty() && *below.begin() != ".." && below != ".") {
    fs::path at = fs::current_path();
    for (const auto& part : below) steps.push_back(at /= part);
  } else {
    fs::create_directories(path.parent_path());
    steps.push_back(path);
  }
  for (const auto& step : steps) {
    std::error_code ec;
    if (!fs::exists(fs::symlink_status(step, ec)) && ::mkdir(step.c_str(), 0700) != 0 && errno != EEXIST)
      throw Error("cannot make " + step.string() + ": " + why());
    checkOneDirectory(step);
  }
}

FileDescriptor openNoFollow(const std::string& file, int flags) {
  int fd = ::open(file.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == ELOOP) throw Error(file + " is a symbolic link: refused");
    throw Error("cannot open " + file + ": " + why());
  }
  FileDescriptor held(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw Error("cannot read " + file + ": " + why());
  if (!S_ISREG(st.st_mode)) throw Error(file + " is not a regular file: refused");
  return held;
}

bool checkRegularFile(const std::string& file, uint64_t maxBytes) {
  struct stat st {};
  if (::lstat(file.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    throw Error("cannot read " + file + ": " + why());
  }
  if (S_ISLNK(st.st_mode)) throw Error(file + " is a symbolic link: refused");
  if (!S_ISREG(st.st_mode)) throw Error(file + " is not a regular file: refused");
  if (static_cast<uint64_t>(st.st_size) > maxBytes)
    throw Error(file + " holds " + std::to_string(st.st_size) + " bytes, more than the " + std::to_string(maxBytes) +
                " it may");
  return true;
}

void replaceFile(const std::string& file, const std::string& content) {
  fs::path path = fs::absolute(file);
  std::string pattern = (path.parent_path() / ("." + path.filename().string() + ".XXXXXX")).string();
  FileDescriptor out(::mkstemp(pattern.data()));
  if (out.get() < 0) throw Error("cannot write beside " + file + ": " + why());
  try {
    if (::fchmod(out.get(), 0600) != 0) throw Error("cannot write " + pattern + ": " + why());
    writeAll(out.get(), content, pattern);
    if (::fsync(out.get()) != 0) throw Error("cannot write " + pattern + ": " + why());
    // A link planted at the name is replaced, never followed: rename(2) acts on the name.
    if (::rename(pattern.c_str(), path.c_str()) != 0) throw Error("cannot replace " + file + ": " + why());
  } catch (...) {
    ::unlink(pattern.c_str());
    throw;
  }
  FileDescriptor directory(::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory.get() >= 0) ::fsync(directory.get());  // the rename itself, durable
}

FileLock::FileLock(const std::string& file, std::chrono::milliseconds patience, const std::string& what) {
  FileDescriptor held = openNoFollow(file, O_RDWR | O_CREAT);
  auto until = std::chrono::steady_clock::now() + patience;
  while (::flock(held.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) throw Error("cannot lock " + file + ": " + why());
    if (std::chrono::steady_clock::now() >= until)
      throw Error(what + " stayed busy for " + std::to_string(patience.count() / 1000) + " s (" + file + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  fd_ = std::move(held);
}

}  // namespace vdc
