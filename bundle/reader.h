// Reading a bundle (bundle.h), which is untrusted: verifyBundle reads all of
// it once and refuses it whole, naming the member and the reason, before
// anything is made from it; unpackBundle then reads it again to write its
// manifests and hand over its disks.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bundle/bundle.h"
#include "bundle/writer.h"

namespace vdc::bundle {

struct Contents {
  Descriptor descriptor;
  std::vector<std::string> manifests;        // paths under manifests/, in bundle order
  std::map<std::string, std::string> digests;  // member -> sha256, as verified
};

// Refused: a member whose path escapes or is not one a bundle holds
// (absolute, "..", links, devices, directories), a member twice, a digest
// that is missing, extra or wrong, a disk of another size than declared or
// not declared at all, a member too large to be what it says, a truncated
// or corrupt archive, a descriptor that is missing, not first, or of an
// unknown format version, a compressed archive, more members or bytes
// than bundle.h's bounds.
// Its disks together may declare no more than `room` gives (the target's
// free space; never more than kMaxDiskBytes): a bundle that declares more is
// refused at its descriptor, before a byte of its disks is read. `room` is
// asked once the descriptor has been read and checked, so that nothing (a
// target opened) is done for a bundle that is refused before.
struct DiskRoom {
  uint64_t bytes = kMaxDiskBytes;
  std::string holder = "a bundle";  // what has that room, for the message
};
// Both readings stop within a read of 1 MiB once `stop` is set (SIGINT,
// SIGTERM): an Error that says it was interrupted.
Contents verifyBundle(const std::string& file, const std::function<DiskRoom()>& room = {},
                      const std::atomic<bool>* stop = nullptr);

// Writes the manifests into `into` (which must not exist yet: made whole, or
// not at all) and hands each disk to `disk` with a Source of its bytes. A
// member that reads differently than when it was verified is an Error,
// found at its end: a disk sink must be ready to undo what it made of it.
using DiskSink = std::function<void(const Disk& disk, const BundleWriter::Source& read)>;
void unpackBundle(const std::string& file, const Contents& verified, const std::string& into, const DiskSink& disk,
                  const std::atomic<bool>* stop = nullptr);

}  // namespace vdc::bundle
