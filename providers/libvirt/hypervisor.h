// Instances and load balancer appliances as libvirt domains.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <unordered_set>
#include <vector>

#include "engine/provider.h"
#include "providers/libvirt/host.h"
#include "providers/libvirt/instance_volumes.h"
#include "providers/libvirt/registry.h"
#include "providers/libvirt/disk_store.h"
#include "providers/libvirt/unowned.h"
#include "providers/libvirt/api/xml.h"

namespace vdc::libvirt {

// Where a QEMU/KVM domain's serial console is logged on its host.
std::string consoleLogPath(const std::string& domain);

class LibvirtHypervisor : public Hypervisor, public HostReader {
 public:
  LibvirtHypervisor(Host& host, RecordStore& records, DiskStore& storage)
      : host_(host), records_(records), storage_(storage), volumes_(host, records, storage) {}
  std::vector<Kind> kinds() const override { return {Kind::Instance, Kind::LoadBalancer}; }
  void read(const std::string& vdc, LiveState& into) override;
  void create(const Ownership& owner) override;
  void update(const Ownership& owner, const LiveObject& live) override;
  void remove(const std::string& vdc, const LiveObject& live) override;
  // A guest lets go of a volume or network about to be replaced by
  // stopping: hot-unplugging waits on the guest, a stop does not. The
  // update after starts it again with the new one.
  void release(const std::string& vdc, const LiveObject& live, const std::vector<ResourceId>& leaving) override;
  void adopt(const Ownership& owner) override;
  // A virtual machine's record goes from its metadata; its root disk and
  // seed, which only the VDC's record named, stay with it.
  void forget(const std::string& vdc, const LiveObject& live) override;
  void rename(const std::string& vdc, const LiveObject& live, const ResourceId& to) override;
  void visit(const std::string& vdc, const HostObject& object, LiveState& into) override;
  void finishRead(const std::string& vdc, LiveState& into) override;
  // Refuses a load balancer on a host with no appliance image, then records
  // the root disks and seeds it is about to make, in one write.
  void prepare(const ApplyIntent& intent) override;
  // Why this host cannot run `id`, if it cannot.
  std::optional<std::string> cannotRun(const ResourceId& id) const;

  std::string domainXml(const Ownership& owner, const std::string& uuid);
  InstanceVolumes& instanceVolumes() { return volumes_; }
  // `attached`, when given, receives the pool and volume of each disk in
  // the order of the observed volumes (a file's pool is "").
  using Attachments = std::vector<std::pair<std::string, std::string>>;
  static Json observe(const std::string& vdc, Kind kind, const XmlDocument& doc, xmlNodePtr domain,
                      const Json& recorded, bool running, bool hypervisorVisible, Attachments* attached = nullptr);

 private:
  void define(const Ownership& owner, const std::string& uuid, bool restart);
  void stop(virDomainPtr dom, const std::string& name, const Json& spec);
  static void recordOwner(virDomainPtr dom, const Ownership& owner, const std::string& physical);
  std::string disks(const Ownership& owner);
  std::string containerFileSystems(const Ownership& owner);
  virConnectPtr connectionFor(const Json& spec);
  void defineNicFilters(const Ownership& owner);
  void undefineFiltersLeft(const std::string& vdc, const ResourceId& id, const Json& recorded, const Json& wanted);
  bool onOvs() const { return !host_.settings().ovsSocket.empty(); }
  // Real hosts on libvirt networks enforce security groups with nwfilter; the
  // embedded datacenter has none, and Open vSwitch bridges bypass it.
  bool enforcesGroups() const { return !host_.settings().testDriver && !onOvs(); }
  bool filtered(const Json& nic) const;  // has an nwfilter
  void visitVolume(const std::string& vdc, const HostObject& object);
  void nameAdopted(const std::string& vdc, Json& observed);
  void forgetDetached(Json& observed, const Attachments& attached) const;
  std::string missingDisks(const std::string& vdc, const ResourceId& id);

  Host& host_;
  RecordStore& records_;
  DiskStore& storage_;
  InstanceVolumes volumes_;
  // What a scan found, completed once every volume has been seen.
  std::vector<LiveObject> seenDomains_;
  // The pools of the volumes each seen domain attaches, in its order of
  // volumes ("" for a file): a volume gone from its pool is not attached.
  std::vector<Attachments> seenAttachments_;
  // Domains whose record names a resource of this VDC their name does not
  // (adopted, renamed), with the resource their name would be, if any.
  std::map<std::string, std::optional<ResourceId>> claimed_;
  std::set<std::string> volumeNames_;  // every volume the scan saw
  std::unordered_set<std::string> volumesIn_;  // "POOL\nVOLUME" of every volume the scan saw
  std::set<std::string> inactivePools_;  // whose volumes cannot be seen
  std::map<std::string, std::string> imagePaths_;   // image volume path -> Image name
  std::map<std::string, std::string> rootBacking_;  // instance -> its root disk's backing path
  std::optional<std::chrono::seconds> shutdownTimeout_;  // the command's, for every domain it stops
  std::vector<UnownedDomain> unowned_;
  std::map<std::string, std::string> volumeAt_;      // volume path -> its name
};

}  // namespace vdc::libvirt
