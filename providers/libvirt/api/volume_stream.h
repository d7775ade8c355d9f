// A volume's bytes through a libvirt stream, into a volume on a host or out
// of it. An upload sends runs of zeros as holes (a sparse stream); one that
// is not finished is aborted when it goes out of scope, and the host drops it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include <libvirt/libvirt.h>

#include "providers/libvirt/api/handles.h"

namespace vdc::libvirt {

class VolumeUpload {
 public:
  VolumeUpload(virConnectPtr conn, virStorageVolPtr volume, uint64_t length);
  ~VolumeUpload();
  VolumeUpload(const VolumeUpload&) = delete;
  VolumeUpload& operator=(const VolumeUpload&) = delete;

  void send(std::string_view bytes);
  void sendHole(uint64_t length);
  void finish();

 private:
  StreamHandle stream_;
  bool finished_ = false;
};

// Streams the whole of `volume` (its file's bytes, as the pool holds them)
// to `take`, in pieces; returns how many bytes came. With `hole`, the
// stream is sparse: a run of the file's holes comes to `hole` as its length,
// never as zeros through the connection.
uint64_t downloadVolume(virConnectPtr conn, virStorageVolPtr volume,
                        const std::function<void(const char*, size_t)>& take,
                        const std::function<void(uint64_t)>& hole = nullptr);

}  // namespace vdc::libvirt
