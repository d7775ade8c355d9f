// The engine's only view of a datacenter. A backend implements these
// interfaces in its own folder under providers/; the engine never sees
// libvirt, OVSDB or files.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "engine/host_files.h"
#include "engine/lease.h"
#include "engine/limits.h"
#include "engine/live.h"
#include "engine/model.h"

namespace vdc {

// A disk's bytes an import carries (bundle/): a file, and the format its
// bundle declares. The format is never guessed from the bytes: a raw disk
// whose guest wrote a qcow2 header into it stays raw.
struct CarriedDisk {
  std::string file;
  std::string format;  // raw or qcow2
};
using CarriedDisks = std::map<ResourceId, CarriedDisk>;

// What a provider is told before an apply.
struct ApplyIntent {
  std::vector<Ownership> intended;  // every create and update it will be asked for
  // The host files specs may name (Image sources, certificates): relative
  // names start at the VDC's directory (engine/host_files.h).
  HostFileRule files;
  // Files whose bytes fill Images and Volumes as they are made, instead of
  // their sources (an import: bundle/), by resource.
  CarriedDisks contents;
  // Guests stopped or deleted are asked to shut down and given this long
  // before they are forced off; none: each instance's own shutdownTimeout.
  std::optional<std::chrono::seconds> shutdownTimeout;
  // The VDC, and the fencing token of the lease its writer holds: what the
  // provider records of the VDC carries it, and a record a later holder
  // wrote is never overwritten (engine/lease.h).
  std::string vdc;
  std::optional<FencingToken> fence;
};

// Realizes some kinds of resources on a target.
class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::vector<Kind> kinds() const = 0;
  // Adds every object of these kinds that belongs to `vdc` (and those that
  // squat its names) to `into`.
  virtual void read(const std::string& vdc, LiveState& into) = 0;
  virtual void create(const Ownership& owner) = 0;
  virtual void update(const Ownership& owner, const LiveObject& live) = 0;
  virtual void remove(const std::string& vdc, const LiveObject& live) = 0;
  // Lets go of the objects `leaving` (which `live` refers to and which are
  // about to be replaced), so that they can go: stops a running guest, say.
  // The update that comes once they are made again takes the new ones.
  virtual void release(const std::string& /*vdc*/, const LiveObject& /*live*/,
                       const std::vector<ResourceId>& /*leaving*/) {}
  // Stops managing `live`: its records go, the object stays, owned by no
  // VDC, so that it can be adopted again (`vdc forget`, the inverse of
  // adopt). Kinds that cannot be adopted cannot be forgotten either.
  virtual void forget(const std::string& /*vdc*/, const LiveObject& live) {
    throw Error(live.id.str() + ": this target cannot forget a " + std::string(kindName(live.id.kind)));
  }
  // Makes `live`, this VDC's object, the resource `to` (of the same kind) in
  // place: its records and the names it keeps on the target (engine/rename.h).
  // Kinds that keep no object through a rename cannot be renamed.
  virtual void rename(const std::string& /*vdc*/, const LiveObject& live, const ResourceId& to) {
    throw Error(live.id.str() + ": this target cannot rename a " + std::string(kindName(live.id.kind)) + " to " +
                to.str());
  }
  // Takes the unowned object `owner.physical` as the resource: records
  // ownership on it, in place, and changes nothing else.
  virtual void adopt(const Ownership& owner) {
    throw Error(owner.id.str() + ": this target cannot adopt a " + std::string(kindName(owner.id.kind)));
  }

  // Called once before an apply with every create and update this provider
  // will be asked for, so it can record intents in one write; and once after,
  // to make deferred bookkeeping durable.
  virtual void prepare(const ApplyIntent& /*intent*/) {}
  virtual void finish() {}
};

// Domains: Instance, LoadBalancer appliances.
class Hypervisor : public Provider {};
// L2/L3 segments and their policy: Network, SecurityGroup.
class Switch : public Provider {};
// Block devices: Image, Volume.
class Storage : public Provider {};
// Records with no object of their own: VirtualDataCenter, KeyPair.
class Registry : public Provider {};

// A host of a datacenter as placement sees it (engine/placement.h).
struct HostInfo {
  std::string name;
  std::map<std::string, std::string> labels;  // for placement.spreadBy
  std::optional<long> cpus;                   // what instances may take; none: no limit
  std::optional<uint64_t> memory;             // bytes
};

// One datacenter a VDC is applied to, as opened from a Target.
class Datacenter {
 public:
  virtual ~Datacenter() = default;
  virtual std::string describe() const = 0;      // for messages: "embedded datacenter .vdc/sim.xml"
  // Where its writers meet to take a VDC's lock by default: a file beside
  // an embedded datacenter, an object on a libvirt host.
  virtual std::shared_ptr<LockService> ownLocks() const = 0;
  virtual std::vector<Provider*> providers() = 0;
  // Makes everything done so far durable (the embedded datacenter saves its file).
  virtual void commit() = 0;
  // The process is about to die: keep what a real host would keep (what was
  // done, not what was only pending in this process). Real hosts need nothing.
  virtual void keepForCrash() {}

  // Adds to `problems` what this datacenter lacks to hold `desired` (a
  // storage pool for a storage class, ...): planned before anything is made.
  virtual void checkFits(const Vdc& /*desired*/, Diagnostics& /*problems*/) {}

  // Bytes free where this datacenter keeps disks (none: not known). An
  // import is refused when its bundle's disks would not fit.
  virtual std::optional<uint64_t> freeStorage() { return std::nullopt; }

  // Its hosts, where the Target names them (none: one host, nothing to place).
  virtual std::vector<HostInfo> hosts() const { return {}; }

  // The bytes of a live Image's or Volume's volume, for an export: their
  // format and length, or none where volumes hold no data (the embedded
  // datacenter); then the bytes themselves, in pieces.
  struct DiskContents {
    std::string format;
    uint64_t size = 0;
  };
  virtual std::optional<DiskContents> diskContents(const std::string& /*vdc*/, const LiveObject& /*disk*/) {
    return std::nullopt;
  }
  using DiskSink = std::function<void(const char* bytes, size_t size)>;
  virtual void readDisk(const std::string& /*vdc*/, const LiveObject& /*disk*/, const DiskSink& /*take*/) {}

  Provider& providerFor(Kind kind);
  // Everything `vdc` owns on the target (by default: each provider's read).
  virtual LiveState read(const std::string& vdc);

  // Operations at once on each host and pool, as the Target bounds them
  // (set by whoever opens the datacenter; an apply honours them).
  ParallelLimits limits;
  // Where writers take a VDC's lock, when the Target says (etcd); none:
  // ownLocks().
  std::shared_ptr<LockService> locks;
};

using DatacenterPtr = std::unique_ptr<Datacenter>;

}  // namespace vdc
