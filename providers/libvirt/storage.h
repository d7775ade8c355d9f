// Images and Volumes as volumes in libvirt storage pools (one pool per
// storage class). A Volume with an image is a qcow2 copy-on-write child of
// the image's volume.
#pragma once

#include <set>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/provider.h"
#include "providers/libvirt/disk_store.h"
#include "providers/libvirt/host.h"
#include "providers/libvirt/registry.h"

namespace vdc::libvirt {

// Throws unless the image `source` names (in a manifest, under `files`, or
// in a Target), when it is a local file that is there, is in `format` by
// its bytes and whole (no backing or data file).
void checkLocalImage(const std::string& source, const std::string& format, const HostFileRule& files);

class LibvirtStorage : public Storage, public HostReader, public DiskStore {
 public:
  LibvirtStorage(Host& host, RecordStore& records) : host_(host), records_(records) {}
  std::vector<Kind> kinds() const override { return {Kind::Image, Kind::Volume}; }
  void read(const std::string& vdc, LiveState& into) override;
  void create(const Ownership& owner) override;
  void update(const Ownership& owner, const LiveObject& live) override;
  void remove(const std::string& vdc, const LiveObject& live) override;
  void adopt(const Ownership& owner) override;
  // A Volume's record goes; an Image cannot be adopted, so it stays.
  void forget(const std::string& vdc, const LiveObject& live) override;
  void rename(const std::string& vdc, const LiveObject& live, const ResourceId& to) override;
  void prepare(const ApplyIntent& intent) override;
  void finish() override { records_.flush(); }
  void visit(const std::string& vdc, const HostObject& object, LiveState& into) override;
  void finishRead(const std::string& vdc, LiveState& into) override;

  Volume volume(const std::string& storageClass, const std::string& physical) override;
  void createChild(const std::string& storageClass, const std::string& physical, uint64_t capacity,
                   const std::optional<Volume>& backing) override;
  void createCopy(const std::string& storageClass, const std::string& physical, const Volume& source) override;
  void deleteVolume(const std::string& storageClass, const std::string& physical) override;
  VolumeHandle createRaw(const std::string& storageClass, const std::string& physical, uint64_t size) override;
  void importVolume(const std::string& storageClass, const std::string& physical, const std::string& source,
                    const std::string& format, const std::string& sha256, const HostFileRule& files,
                    Backing backing = Backing::Refused, Redirects redirects = Redirects::Anywhere) override;
  // What an export carries of a live Image, Volume or Instance (its root
  // disk): its file's format and length (none on the embedded datacenter,
  // whose volumes hold no data, and none for an instance without an image),
  // then its bytes (a copy-on-write child's name their backing file by a
  // path of this host: an import points them at its own image, qcow2.h).
  std::optional<Datacenter::DiskContents> contentsOf(const std::string& vdc, const LiveObject& disk);
  void readContents(const std::string& vdc, const LiveObject& disk, const Datacenter::DiskSink& take);
  const CarriedDisk* carried(const ResourceId& id) const override;
  void createFromContents(const Ownership& owner, const CarriedDisk& disk, const std::string& storageClass,
                          const std::string& physical) override;
  std::optional<Volume> imageOf(const Ownership& owner) override;

 private:
  bool growAttached(const std::string& pool, const std::string& physical, uint64_t bytes);
  std::string storageClassOf(const Ownership& owner) const;
  VolumeHandle volumeOf(const std::string& vdc, const LiveObject& disk);

  void createImage(const Ownership& owner);

  Host& host_;
  RecordStore& records_;
  HostFileRule files_;  // what the VDC being applied may name
  CarriedDisks contents_;  // an import's bytes, by resource
  // What a scan found, completed once the records are known.
  struct Seen {
    ResourceId id;
    std::string physical, pool, path, backing, format;
    uint64_t capacity = 0;
  };
  std::vector<Seen> seen_;
  std::set<std::string> inactivePools_;
};

}  // namespace vdc::libvirt
