#include "providers/libvirt/volume_upload.h"

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

}  // namespace vdc::libvirt
