#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "base/error.h"
#include "providers/libvirt/seed.h"
#include "support/process.h"
#include "base/scratch_directory.h"

extern char** environ;

namespace vdc::libvirt {

namespace {

namespace fs = std::filesystem;

void writeFile(const fs::path& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary);
  out << contents;
  if (!out.flush()) throw Error("cannot write " + path.string());
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs a tool; throws with what it said.
void run(const std::vector<std::string>& argv) {
  ProcessResult result;
  try {
    result = runProcess(argv);
  } catch (const Error& e) {
    throw Error(e.message() + " (e2fsprogs)");
  }
  if (result.exit != 0) throw Error(argv[0] + " failed to make a cloud-init seed: " + result.errors);
}

}  // namespace

// mke2fs builds the file system from a directory, without mounting
// anything, where vdc runs; the image is then uploaded like any seed.
std::string seedFileSystem(const Seed& seed) {
  ScratchDirectory scratch("seed");
  fs::path files = scratch.path() / "cidata", image = scratch.path() / "seed.img";
  fs::create_directory(files);
  std::string meta = metaData(seed), network = networkConfig(seed), user = userData(seed);
  writeFile(files / "meta-data", meta);
  if (!seed.nics.empty()) writeFile(files / "network-config", network);
  writeFile(files / "user-data", user);
  // Room for the files twice over, and for ext2's own tables.
  size_t kib = 512 + 2 * (meta.size() + network.size() + user.size()) / 1024;
  run({"mke2fs", "-q", "-F", "-t", "ext2", "-L", "cidata", "-d", files.string(), image.string(), std::to_string(kib)});
  return readFile(image);
}

}  // namespace vdc::libvirt
