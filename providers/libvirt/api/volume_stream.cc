#include "providers/libvirt/api/volume_stream.h"

#include <algorithm>
#include <vector>

#include "engine/stop_request.h"
#include "providers/libvirt/api/handles.h"

namespace vdc::libvirt {

VolumeUpload::VolumeUpload(virConnectPtr conn, virStorageVolPtr volume, uint64_t length)
    : stream_(virStreamNew(conn, 0)) {
  if (!stream_) throw libvirtError("cannot open a stream");
  if (virStorageVolUpload(volume, stream_.get(), 0, length, VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM) < 0)
    throw libvirtError("cannot start upload");
}

namespace {

constexpr size_t kHoleBlock = 64 << 10;

bool allZero(std::string_view block) {
  return std::all_of(block.begin(), block.end(), [](char c) { return c == 0; });
}

}  // namespace

VolumeUpload::~VolumeUpload() {
  if (!finished_) virStreamAbort(stream_.get());
}

// Runs of zero blocks go as holes, which the host leaves unallocated: a
// sparse disk stays sparse wherever it is uploaded.
void VolumeUpload::send(std::string_view bytes) {
  while (!bytes.empty()) {
    bool zero = allZero(bytes.substr(0, kHoleBlock));
    size_t run = 0;
    while (run < bytes.size() && allZero(bytes.substr(run, kHoleBlock)) == zero) run += kHoleBlock;
    run = std::min(run, bytes.size());
    if (zero) {
      if (virStreamSendHole(stream_.get(), static_cast<long long>(run), 0) < 0) throw libvirtError("upload failed");
    } else {
      for (std::string_view data = bytes.substr(0, run); !data.empty();) {
        int sent = virStreamSend(stream_.get(), data.data(), data.size());
        if (sent < 0) throw libvirtError("upload failed");
        data.remove_prefix(static_cast<size_t>(sent));
      }
    }
    bytes.remove_prefix(run);
  }
}

void VolumeUpload::sendHole(uint64_t length) {
  if (virStreamSendHole(stream_.get(), static_cast<long long>(length), 0) < 0) throw libvirtError("upload failed");
}

void VolumeUpload::finish() {
  if (virStreamFinish(stream_.get()) < 0) throw libvirtError("upload failed");
  finished_ = true;
}

uint64_t downloadVolume(virConnectPtr conn, virStorageVolPtr volume,
                        const std::function<void(const char*, size_t)>& take,
                        const std::function<void(uint64_t)>& hole) {
  StreamHandle stream(virStreamNew(conn, 0));
  if (!stream) throw libvirtError("cannot open a stream");
  unsigned flags = hole ? VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM : 0;
  if (virStorageVolDownload(volume, stream.get(), 0, 0, flags) < 0) throw libvirtError("cannot start download");
  std::vector<char> chunk(1 << 20);
  uint64_t total = 0;
  for (;;) {
    int got = hole ? virStreamRecvFlags(stream.get(), chunk.data(), chunk.size(), VIR_STREAM_RECV_STOP_AT_HOLE)
                   : virStreamRecv(stream.get(), chunk.data(), chunk.size());
    if (got == -3) {  // at a hole (a sparse stream only)
      long long length = 0;
      if (virStreamRecvHole(stream.get(), &length, 0) < 0) {
        Error failure = libvirtError("download failed");
        virStreamAbort(stream.get());
        throw failure;
      }
      try {
        hole(static_cast<uint64_t>(length));
        throwIfStopRequested("reading a volume");
      } catch (...) {
        virStreamAbort(stream.get());
        throw;
      }
      total += static_cast<uint64_t>(length);
      continue;
    }
    if (got < 0) {
      Error failure = libvirtError("download failed");  // read before the abort resets it
      virStreamAbort(stream.get());
      throw failure;
    }
    if (got == 0) break;
    try {
      take(chunk.data(), static_cast<size_t>(got));
      throwIfStopRequested("reading a volume");
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
