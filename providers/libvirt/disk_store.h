// What the hypervisor asks of storage for an instance's disks (its root
// disk, its seed, an appliance's image): volumes by physical name in a
// storage class's pool. The libvirt storage provider (storage.h) is one;
// the hypervisor holds this interface, not it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "engine/host_files.h"
#include "engine/live.h"
#include "engine/provider.h"
#include "providers/libvirt/api/handles.h"
#include "support/download.h"

namespace vdc::libvirt {

// A dir pool names the format it finds in a file's first bytes: a raw image
// can show as "iso" or another raw format. qemu knows it as raw.
std::string diskFormat(const std::string& probed);

class DiskStore {
 public:
  virtual ~DiskStore() = default;

  struct Volume {
    std::string path, format;
    uint64_t capacity = 0;
    std::string backing;  // the path of what it is a copy-on-write child of; "" for none
  };
  // A volume by physical name in a storage class's pool.
  virtual Volume volume(const std::string& storageClass, const std::string& physical) = 0;
  // Creates a qcow2 copy-on-write child of `backing` (none: an empty volume),
  // at least as large as its backing.
  virtual void createChild(const std::string& storageClass, const std::string& physical, uint64_t capacity,
                           const std::optional<Volume>& backing) = 0;
  // A full raw copy of `source`: a container's root file system, which
  // libvirt mounts through a loop device, and a loop device reads raw only.
  virtual void createCopy(const std::string& storageClass, const std::string& physical, const Volume& source) = 0;
  virtual void deleteVolume(const std::string& storageClass, const std::string& physical) = 0;
  // An empty raw volume of `size` bytes, to be written.
  virtual VolumeHandle createRaw(const std::string& storageClass, const std::string& physical, uint64_t size) = 0;
  // A volume filled from an image file or URL, e.g. a load balancer
  // appliance's disk. Whether the file may name a backing file: an image's
  // own bytes may not (Refused); a carried child's, already pointed at its
  // image, may. Where a URL may redirect (support/download.h).
  enum class Backing { Refused, Checked };
  virtual void importVolume(const std::string& storageClass, const std::string& physical, const std::string& source,
                            const std::string& format, const std::string& sha256, const HostFileRule& files,
                            Backing backing = Backing::Refused, Redirects redirects = Redirects::Anywhere) = 0;
  // The disk an import carries for `id`, if any.
  virtual const CarriedDisk* carried(const ResourceId& id) const = 0;
  // Makes volume `physical` from a carried disk, in the format its bundle
  // declares; a qcow2 header is checked (api/qcow2.h) and a copy-on-write
  // child pointed at `owner`'s image first.
  virtual void createFromContents(const Ownership& owner, const CarriedDisk& disk, const std::string& storageClass,
                                  const std::string& physical) = 0;
  // The image volume a Volume or Instance names in its `image`, if any, in the
  // format its manifest declares.
  virtual std::optional<Volume> imageOf(const Ownership& owner) = 0;
};

}  // namespace vdc::libvirt
