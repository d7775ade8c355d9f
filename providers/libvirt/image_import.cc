#include "providers/libvirt/image_import.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <vector>

#include "engine/hash.h"
#include "providers/libvirt/handles.h"
#include "providers/libvirt/volume_stream.h"

namespace vdc::libvirt {

namespace fs = std::filesystem;

std::string imageFile(const std::string& source, const std::string& directory) {
  std::string path = source;
  if (source.starts_with("file://")) {
    path = source.substr(7);
  } else if (source.find("://") != std::string::npos) {
    throw Error("cannot import " + source + ": not a local file or a file:// URL (http(s) sources are downloaded first)");
  }
  fs::path file(path);
  if (file.is_relative() && !directory.empty()) file = fs::path(directory) / file;
  return file.lexically_normal().string();
}

std::string importImage(virConnectPtr conn, virStorageVolPtr volume, const std::string& file,
                        const std::string& expectedSha256) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error("cannot read image " + file);
  std::error_code ec;
  uint64_t length = fs::file_size(file, ec);
  if (ec) throw Error("cannot read image " + file + ": " + ec.message());
  std::optional<VolumeUpload> upload;
  if (volume) upload.emplace(conn, volume, length);
  Sha256 hash;
  std::vector<char> chunk(1 << 20);  // memory stays flat whatever the image's size
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    size_t got = static_cast<size_t>(in.gcount());
    if (got == 0) break;
    hash.update({chunk.data(), got});
    if (upload) upload->send({chunk.data(), got});
  }
  if (in.bad()) throw Error("cannot read image " + file);
  std::string digest = hash.hex();
  if (!expectedSha256.empty() && digest != expectedSha256)
    throw Error("image " + file + " has sha256 " + digest + ", the manifest expects " + expectedSha256);
  if (upload) upload->finish();
  return digest;
}

}  // namespace vdc::libvirt
