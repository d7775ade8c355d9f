#include "providers/libvirt/volume_stream.h"

#include <vector>

#include "providers/libvirt/handles.h"

namespace vdc::libvirt {

VolumeUpload::VolumeUpload(virConnectPtr conn, virStorageVolPtr volume, uint64_t length)
    : stream_(virStreamNew(conn, 0)) {
  if (!stream_) throw libvirtError("cannot open a stream");
  if (virStorageVolUpload(volume, stream_.get(), 0, length, 0) < 0) throw libvirtError("cannot start upload");
}

VolumeUpload::~VolumeUpload() {
  if (!finished_) virStreamAbort(stream_.get());
}

void VolumeUpload::send(std::string_view bytes) {
  while (!bytes.empty()) {
    int sent = virStreamSend(stream_.get(), bytes.data(), bytes.size());
    if (sent < 0) throw libvirtError("upload failed");
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
}

void VolumeUpload::finish() {
  if (virStreamFinish(stream_.get()) < 0) throw libvirtError("upload failed");
  finished_ = true;
}

uint64_t downloadVolume(virConnectPtr conn, virStorageVolPtr volume,
                        const std::function<void(const char*, size_t)>& take) {
  struct StreamFree {
    void operator()(virStreamPtr p) const { virStreamFree(p); }
  };
  std::unique_ptr<virStream, StreamFree> stream(virStreamNew(conn, 0));
  if (!stream) throw libvirtError("cannot open a stream");
  if (virStorageVolDownload(volume, stream.get(), 0, 0, 0) < 0) throw libvirtError("cannot start download");
  std::vector<char> chunk(1 << 20);
  uint64_t total = 0;
  for (;;) {
    int got = virStreamRecv(stream.get(), chunk.data(), chunk.size());
    if (got < 0) {
      virStreamAbort(stream.get());
      throw libvirtError("download failed");
    }
    if (got == 0) break;
    try {
      take(chunk.data(), static_cast<size_t>(got));
    } catch (...) {
      virStreamAbort(stream.get());
      throw;
    }
    total += static_cast<uint64_t>(got);
  }
  if (virStreamFinish(stream.get()) < 0) throw libvirtError("download failed");
  return total;
}

}  // namespace vdc::libvirt
