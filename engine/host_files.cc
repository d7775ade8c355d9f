#include "engine/host_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "engine/model.h"
#include "base/safe_file.h"

namespace vdc {

namespace fs = std::filesystem;

namespace {

bool isUrl(const std::string& named) { return named.find("://") != std::string::npos; }

bool within(const fs::path& path, const fs::path& directory) {
  auto inside = path.lexically_relative(directory);
  return !inside.empty() && *inside.begin() != "..";
}

// The kernel's own files: reading them gives away the host.
bool isKernelFile(const fs::path& path) {
  for (const char* top : {"/proc", "/sys", "/dev"})
    if (path == top || within(path, top)) return true;
  return false;
}

fs::path resolvedPath(const fs::path& path) {
  std::error_code ec;
  fs::path resolved = fs::weakly_canonical(path, ec);
  return ec ? path.lexically_normal() : resolved;
}

// Where `resolved` may not be read from, or "" when it may.
std::string refusal(const HostFileRule& rule, const fs::path& resolved) {
  if (isKernelFile(resolved)) return "it is a file of the kernel's (" + resolved.string() + ")";
  if (!rule.confined) return "";
  if (within(resolved, resolvedPath(fs::absolute(rule.directory)))) return "";
  for (const auto& allowed : rule.allowed)
    if (within(resolved, resolvedPath(fs::absolute(allowed)))) return "";
  return "manifests from a repository or a bundle may name files only inside their own directory"
         " (or a Target's spec.allowedPaths)";
}

}  // namespace

std::string resolveHostFile(const HostFileRule& rule, const std::string& named) {
  std::string path = named.starts_with("file://") ? named.substr(7) : named;
  fs::path file(path);
  if (file.is_relative()) file = fs::absolute(fs::path(rule.directory) / file);
  fs::path resolved = resolvedPath(file);
  if (std::string why = refusal(rule, resolved); !why.empty()) throw Error("cannot read " + named + ": " + why);
  struct stat st {};
  if (::stat(resolved.c_str(), &st) == 0 && !S_ISREG(st.st_mode))
    throw Error("cannot read " + named + ": it is not a regular file");
  return resolved.string();
}

FileDescriptor openHostFile(const HostFileRule& rule, const std::string& named) {
  std::string path = resolveHostFile(rule, named);
  // Non-blocking, so that a FIFO put in its place since cannot stall the open.
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (fd.get() < 0) throw Error("cannot read " + named + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) throw Error("cannot read " + named + ": it is not a regular file");
  // What was opened is where it now resolves: a link swapped in meanwhile is refused too.
  std::error_code ec;
  fs::path opened = fs::read_symlink("/proc/self/fd/" + std::to_string(fd.get()), ec);
  if (std::string why = ec ? "" : refusal(rule, opened); !why.empty()) throw Error("cannot read " + named + ": " + why);
  ::fcntl(fd.get(), F_SETFL, 0);
  return fd;
}

std::string readHostFile(const HostFileRule& rule, const std::string& named, uint64_t maxBytes) {
  FileDescriptor fd = openHostFile(rule, named);
  std::string contents;
  char buffer[1 << 16];
  for (;;) {
    ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw Error("cannot read " + named + ": " + std::strerror(errno));
    if (got == 0) break;
    contents.append(buffer, static_cast<size_t>(got));
    if (contents.size() > maxBytes)
      throw Error("cannot read " + named + ": it holds more than the " + std::to_string(maxBytes) + " bytes it may");
  }
  return contents;
}

void checkHostFiles(const Vdc& vdc, const HostFileRule& rule, Diagnostics& problems) {
  auto check = [&](const Resource& r, const std::string& named) {
    try {
      resolveHostFile(rule, named);
    } catch (const Error& e) {
      problems.add(r.where, r.id.str() + ": " + e.message());
    }
  };
  for (const auto& r : vdc.resources) {
    if (r.id.kind == Kind::Image && !rule.carried.count(r.id)) {
      std::string source = r.spec.value("source", "");
      if (!source.empty() && (!isUrl(source) || source.starts_with("file://"))) check(r, source);
    } else if (r.id.kind == Kind::LoadBalancer && r.spec.contains("listeners")) {
      for (const auto& listener : r.spec["listeners"])
        if (listener.is_object() && listener.contains("certificate") && listener["certificate"].is_string())
          check(r, listener["certificate"].get<std::string>());
    }
  }
}

}  // namespace vdc
