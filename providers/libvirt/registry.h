// The VDC's record on a libvirt host: an isolated network "VDC._vdc" that
// is defined and never started, whose <metadata> holds the ownership
// records of what has no metadata of its own (storage volumes, key pairs,
// security groups on hosts without nwfilter) and of the VDC itself.
//
// Storage objects are recorded (durably, all of an apply's in one write)
// before they are created and forgotten after they are deleted, so a crash
// in between never leaves an object that looks foreign: at worst a record
// without its object, which the next apply recreates. Other changes are
// written once, when the apply finishes (flush).
//
// It also holds the names of adopted objects (docs/adoption.md): an object
// that was on the host before vdc keeps its own name, which no rule derives.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "engine/provider.h"
#include "providers/libvirt/host.h"
#include "providers/libvirt/api/xml.h"

namespace vdc::libvirt {

class RecordStore {
 public:
  explicit RecordStore(Host& host) : host_(host) {}

  // Records of `vdc` by resource; read from the host on first use.
  std::map<ResourceId, Ownership> records(const std::string& vdc);
  std::optional<Ownership> find(const std::string& vdc, const ResourceId& id);
  // Records now, in one write; records already equal cost nothing.
  void putDurably(const std::vector<Ownership>& owners);
  // Records in memory; written by flush().
  void put(const Ownership& owner);
  // Records now that `id` is the adopted object `physical`.
  void keepName(const std::string& vdc, const ResourceId& id, const std::string& physical);
  // The name on the host of `id` of `vdc`: the adopted object's own, or the
  // one vdc derives (ownership.h).
  std::string nameOf(const std::string& vdc, const ResourceId& id);
  // `from` of `vdc` becomes `to`, keeping its object named `physical`: its
  // record moves and the name is kept (engine/rename.h). Written now.
  void rename(const std::string& vdc, const ResourceId& from, const ResourceId& to, const std::string& physical);
  // The name an instance's or appliance's root disk, seed, MACs and NIC
  // filters are derived from (ownership.h): its own, "lb." and its own for
  // an appliance, or, renamed, the one it had.
  std::string diskOwner(const std::string& vdc, const ResourceId& id);
  // The names adopted and renamed resources keep, by resource.
  std::map<ResourceId, std::string> keptNames(const std::string& vdc);
  // The adopted (or renamed) resource of kind `kind` named `physical` on the host, if any.
  std::optional<ResourceId> adoptedAs(const std::string& vdc, Kind kind, const std::string& physical);
  // True when another VDC on this host adopted the volume `physical` (as
  // seen by the last scan, which passes every VDC's record network).
  bool adoptedByAnother(const std::string& vdc, const std::string& physical);
  // Forgets an adopted name, with its resource's removal; written by flush().
  void forgetName(const std::string& vdc, const ResourceId& id);
  // The root disk and seed of a virtual machine `vdc` no longer manages
  // (vdc forget): the VDC's record lists them until the machine is adopted
  // back and takes them again (takeBack). Written by flush().
  void forgetVolume(const std::string& vdc, const std::string& physical);
  bool forgotten(const std::string& vdc, const std::string& physical);
  void takeBack(const std::string& vdc, const std::string& physical);
  void erase(const std::string& vdc, const ResourceId& id);
  void flush();
  // Removes the record network and every record in it.
  void drop(const std::string& vdc);
  // True when "VDC._vdc" exists but is not a vdc record (someone else's network).
  bool squatted(const std::string& vdc);

  // The fencing token of the writer of `vdc` (ApplyIntent::fence): every
  // write of the record from now on carries it, and is refused when the
  // record on the host carries a later one of the same issuer.
  void fence(const std::string& vdc, const FencingToken& token);

  // Reading along with a host scan: forget what is cached (writing what is
  // pending first), then take the record network when the scan passes it.
  void beginScan(const std::string& vdc);
  void absorb(const std::string& vdc, const HostObject& object);

 private:
  struct Loaded {
    std::map<ResourceId, Ownership> records;
    std::map<ResourceId, std::string> adoptedNames;
    std::set<std::string> forgottenVolumes;
    std::string uuid;
    std::optional<FencingToken> fence;  // of the last writer
    bool exists = false;
    bool foreign = false;
    bool dirty = false;
  };
  Loaded& load(const std::string& vdc);
  // Puts a record in memory; false when an equal one was there already.
  bool set(const Ownership& owner);
  static void parse(const std::string& vdc, const XmlDocument& doc, xmlNodePtr network, Loaded& loaded);
  static std::string diskOwnerName(const std::string& vdc, const ResourceId& id,
                                   const std::map<ResourceId, std::string>& kept);
  void save(const std::string& vdc, Loaded& loaded);
  // Throws when a later holder of the VDC's lock wrote its record.
  void checkFence(const std::string& vdc);

  Host& host_;
  std::mutex mutex_;
  std::map<std::string, Loaded> cache_;
  std::map<std::string, FencingToken> fences_;  // this writer's, by VDC
  std::map<std::string, std::string> volumesAdopted_;  // by any VDC in the last scan: volume -> VDC
};

// Reads the host once for the records and every reader in `readers`.
void readHost(Host& host, RecordStore& records, const std::vector<HostReader*>& readers, const std::string& vdc,
              LiveState& into);

// VirtualDataCenter and KeyPair: pure records.
class LibvirtRegistry : public Registry, public HostReader {
 public:
  LibvirtRegistry(Host& host, RecordStore& records) : host_(host), records_(records) {}
  std::vector<Kind> kinds() const override { return {Kind::VirtualDataCenter, Kind::KeyPair}; }
  void read(const std::string& vdc, LiveState& into) override;
  void create(const Ownership& owner) override;
  void update(const Ownership& owner, const LiveObject& live) override;
  void remove(const std::string& vdc, const LiveObject& live) override;
  void prepare(const ApplyIntent& intent) override {
    if (intent.fence) records_.fence(intent.vdc, *intent.fence);
  }
  void finish() override { records_.flush(); }
  void visit(const std::string&, const HostObject&, LiveState&) override {}
  void finishRead(const std::string& vdc, LiveState& into) override;

 private:
  bool stillThere(const std::string& vdc, const Ownership& record);
  Host& host_;
  RecordStore& records_;
};

}  // namespace vdc::libvirt
