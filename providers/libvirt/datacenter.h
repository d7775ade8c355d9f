// A datacenter reached through one libvirt connection, and the embedded
// datacenter: libvirt's test driver in this process, saved as a test-driver
// node file after every apply.
#pragma once

#include <optional>
#include <string>

#include "engine/provider.h"
#include "base/safe_file.h"
#include "providers/libvirt/host.h"
#include "providers/libvirt/hypervisor.h"
#include "providers/libvirt/registry.h"
#include "providers/libvirt/storage.h"
#include "providers/libvirt/switch.h"
#include "providers/ovs/switch.h"

namespace vdc::libvirt {

class LibvirtDatacenter : public Datacenter {
 public:
  explicit LibvirtDatacenter(HostSettings settings);
  std::string describe() const override;
  // On the host itself (host_lock.h).
  std::shared_ptr<LockService> ownLocks() const override;
  std::vector<Provider*> providers() override;
  // One scan of the host for every provider.
  LiveState read(const std::string& vdc) override;
  // Every storage class the VDC uses has its pool here, containers an LXC
  // driver, load balancers an appliance image.
  void checkFits(const Vdc& desired, Diagnostics& problems) override;
  void commit() override { records_.flush(); }
  // What the pools of its storage classes have available, together.
  std::optional<uint64_t> freeStorage() override;
  std::optional<DiskContents> diskContents(const std::string& vdc, const LiveObject& disk) override {
    return storage_.contentsOf(vdc, disk);
  }
  void readDisk(const std::string& vdc, const LiveObject& disk, const DiskSink& take) override {
    storage_.readContents(vdc, disk, take);
  }

 protected:
  Host host_;
  RecordStore records_;
  LibvirtStorage storage_;
  LibvirtSwitch switch_;
  LibvirtHypervisor hypervisor_;
  LibvirtRegistry registry_;
  std::unique_ptr<ovs::OvsSwitch> ovsSwitch_;  // networks on Open vSwitch, when the Target says so
};

// The whole state of a test-driver connection as a node document, which
// reopens as the same state.
std::string nodeXml(virConnectPtr conn);

class EmbeddedDatacenter : public LibvirtDatacenter {
 public:
  // `file` is created empty when missing; its directory holds the lock.
  explicit EmbeddedDatacenter(const std::string& file);
  std::string describe() const override;
  // A file per VDC beside the datacenter's file (engine/lock.h).
  std::shared_ptr<LockService> ownLocks() const override;
  void commit() override;
  void keepForCrash() override { save(); }
  // Its volumes hold no data: the room is that of the file system its file is on.
  std::optional<uint64_t> freeStorage() override;
  // The whole state as a test-driver node document.
  std::string nodeXml() { return libvirt::nodeXml(host_.connection()); }

 private:
  void save();  // the libvirt state as it is, to the file
  void takeFile();  // before connecting: the file's lock, and the file
  std::string file_;
  std::optional<FileLock> fileLock_;
};

}  // namespace vdc::libvirt
