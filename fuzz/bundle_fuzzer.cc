// libFuzzer target: any bytes as a bundle (vdc import's input): the tar
// archive, its descriptor, its digest list, and each carried disk's qcow2
// header. Whatever the bytes, the reader refuses them with an Error or
// unpacks exactly what it verified; never a crash, a hang or a read past a
// bound.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bundle/reader.h"
#include "base/error.h"
#include "providers/libvirt/api/qcow2.h"

namespace {

namespace fs = std::filesystem;

// One scratch directory for the whole run (libFuzzer calls in one thread).
const fs::path& scratch() {
  static const fs::path path = [] {
    std::string pattern = (fs::temp_directory_path() / "vdc-bundle-fuzz-XXXXXX").string();
    if (!mkdtemp(pattern.data())) std::abort();
    return fs::path(pattern);
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fs::path bundle = scratch() / "input.vdcb", into = scratch() / "into", disk = scratch() / "disk";
  std::ofstream(bundle, std::ios::binary | std::ios::trunc).write(reinterpret_cast<const char*>(data), size);
  try {
    // A target with 64 MiB free: what the fuzzer declares beyond is refused unread.
    auto contents = vdc::bundle::verifyBundle(bundle.string(), [] { return vdc::bundle::DiskRoom{64 << 20, "fuzz"}; });
    vdc::bundle::unpackBundle(bundle.string(), contents, into.string(),
                              [&](const vdc::bundle::Disk& d, const vdc::bundle::BundleWriter::Source& read) {
                                std::ofstream out(disk, std::ios::binary | std::ios::trunc);
                                char buffer[1 << 16];
                                for (size_t n; (n = read(buffer, sizeof buffer)) > 0;) out.write(buffer, n);
                                out.close();
                                if (d.format != "qcow2") return;
                                vdc::libvirt::checkQcow2Header(disk.string());
                                if (vdc::libvirt::qcow2BackingFile(disk.string()))
                                  vdc::libvirt::setQcow2BackingFile(disk.string(), "/var/lib/libvirt/images/base");
                              });
  } catch (const vdc::Error&) {
  }
  std::error_code ignored;
  fs::remove_all(into, ignored);
  return 0;
}
