#include "providers/libvirt/image_import.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <vector>

#include "engine/hash.h"
#include "base/safe_file.h"
#include "engine/stop_request.h"
#include "providers/libvirt/api/handles.h"
#include "providers/libvirt/api/volume_stream.h"

namespace vdc::libvirt {

namespace fs = std::filesystem;

std::string imageFile(const std::string& source, const HostFileRule& files) {
  if (!source.starts_with("file://") && source.find("://") != std::string::npos)
    throw Error("cannot import " + source + ": not a local file or a file:// URL (http(s) sources are downloaded first)");
  return resolveHostFile(files, source);
}

std::string importImage(virConnectPtr conn, virStorageVolPtr volume, const std::string& file,
                        const std::string& expectedSha256, const HostFileRule& files) {
  FileDescriptor fd = openHostFile(files, file);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw Error("cannot read image " + file);
  uint64_t length = static_cast<uint64_t>(st.st_size);
  std::optional<VolumeUpload> upload;
  if (volume) upload.emplace(conn, volume, length);
  Sha256 hash;
  std::vector<char> chunk(1 << 20);  // memory stays flat whatever the image's size
  for (;;) {
    ssize_t got = ::read(fd.get(), chunk.data(), chunk.size());
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw Error("cannot read image " + file + ": " + std::strerror(errno));
    if (got == 0) break;
    hash.update({chunk.data(), static_cast<size_t>(got)});
    if (upload) upload->send({chunk.data(), static_cast<size_t>(got)});
    // A stop gives up a copy longer than a piece (the upload is aborted).
    if (static_cast<size_t>(got) == chunk.size()) throwIfStopRequested("copying image " + file);
  }
  std::string digest = hash.hex();
  // The file's own digest is never shown: the source may name a file that is not the user's to read.
  if (!expectedSha256.empty() && digest != expectedSha256)
    throw Error("image " + file + " does not have the sha256 the manifest expects (" + expectedSha256 + ")");
  if (upload) upload->finish();
  return digest;
}

}  // namespace vdc::libvirt
