// The volumes vdc makes for a domain besides the Volumes it names: a root
// disk (a copy-on-write child of an instance's image, or a load balancer
// appliance's image) and, on hosts that boot guests, a cloud-init seed. They have no metadata of their own: the VDC's record of
// the instance lists them, written before they are made, so an interrupted
// create leaves a record, never a volume that looks foreign.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/kinds/instance.h"
#include "engine/live.h"
#include "providers/libvirt/disk_store.h"
#include "providers/libvirt/host.h"
#include "providers/libvirt/registry.h"
#include "providers/libvirt/seed.h"

namespace vdc::libvirt {

class InstanceVolumes {
 public:
  InstanceVolumes(Host& host, RecordStore& records, DiskStore& storage);

  // A network's prefix and gateway, for the seed's network config: from its
  // libvirt network unless the switch says otherwise (Open vSwitch).
  struct NetworkAddressing {
    int prefix;
    std::string gateway;
  };
  using AddressingLookup =
      std::function<std::optional<NetworkAddressing>(const std::string& vdc, const std::string& network)>;
  void setAddressing(AddressingLookup lookup) { addressing_ = std::move(lookup); }

  // An instance's root disk is a child (or a copy) of its image; a load
  // balancer appliance's is the Target's appliance image (real hosts only).
  bool hasRootDisk(const Ownership& domain) const;
  // The name a domain's root disk, seed and MACs are named after: "web-0",
  // "lb.front" for the appliance of LoadBalancer front, the old name of a
  // renamed instance (RecordStore::diskOwner).
  std::string diskOwner(const Ownership& domain) const;
  // A seed on real hosts (the embedded datacenter runs no guests).
  bool hasSeed(const Ownership& domain) const;
  // A container on a real host: its root disk is a raw copy of its image,
  // its seed an ext2 file system (the embedded datacenter treats every
  // instance alike).
  bool isContainer(const Ownership& instance) const {
    return !host_.settings().testDriver && InstanceSpec(instance.spec).container();
  }

  // Records, in one write, the volumes of every domain about to be made,
  // beside those it has (a replace deletes them by this record);
  // `directory` is the VDC's (appliance certificates are read from it).
  void prepare(const std::vector<Ownership>& intended, const HostFileRule& files);
  // Makes the root disk and the seed; a leftover of an interrupted create of
  // ours is made again, but a virtual machine's root disk, which its domain
  // deleted by hand left, is kept; anything else under their names is refused.
  void create(const Ownership& instance);
  // Writes the seed again when the instance changed.
  void update(const Ownership& instance);
  // Makes again what was deleted by hand from under a domain that stays: a
  // seed, an appliance's root disk (an instance's shows as its image, and
  // is a replace). Whether it made a disk the domain boots from.
  bool remakeMissing(const Ownership& instance);
  // Deletes them and the record.
  void remove(const std::string& vdc, const ResourceId& instance);

 private:
  Ownership record(const Ownership& instance) const;
  Ownership keepingRecorded(Ownership wanted) const;
  bool keepsRootDisk(const Ownership& instance);
  void replaceSeed(const Ownership& instance);
  void makeApplianceDisk(const std::string& root);
  std::vector<std::string> publicKeys(const Ownership& instance) const;
  std::vector<Seed::Nic> nics(const Ownership& instance) const;

  Host& host_;
  RecordStore& records_;
  DiskStore& storage_;
  AddressingLookup addressing_;
  HostFileRule files_;
};

}  // namespace vdc::libvirt
