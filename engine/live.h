// What a datacenter holds for a VDC, as read back from it. Nothing here is
// cached between runs: the target is the only source of truth.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/model.h"

namespace vdc {

// The record vdc writes on every object it creates.
struct Ownership {
  std::string vdc;
  ResourceId id;
  std::string specHash;
  Json spec;  // the spec applied, so a later plan can show old -> new
  // The object's name on the target when vdc did not choose it (an adopted
  // object keeps its own); empty for the names vdc derives.
  std::string physical;
};

struct LiveObject {
  ResourceId id;
  std::string physicalName;  // its name on the target
  std::string specHash;      // from the ownership record
  Json recorded;             // the spec vdc applied, from the record
  Json observed;             // fields read from the object itself
  // Its main object is gone and only what it left is there (an instance
  // whose domain was deleted by hand, its disks kept): it is deleted, or
  // made anew, never updated.
  bool orphaned = false;
  // What the object is now: the record with every observed field on top.
  Json effective() const;
  // effective() == spec, without building effective().
  bool matches(const Json& spec) const;
};

// `observed` laid over `base`, into objects and lists of equal length: what
// only `base` says (an address, a device name) stays, what the target shows
// wins; with `keepWhereGone`, except where it shows a value gone (null) that
// `base` has.
Json overlay(const Json& base, const Json& observed, bool keepWhereGone = false);

// An object that sits where a resource of this VDC would go but is not
// owned by it: vdc never touches such an object.
struct Foreign {
  ResourceId id;
  std::string physicalName;
  std::string owner;  // another VDC's name, or "" for an object vdc did not create
  // This VDC's resource that was renamed from `id` and keeps the name
  // (engine/rename.h): the name is taken, by nobody's mistake.
  std::optional<ResourceId> heldBy;
};

// An object on the target that no VDC owns, seen as the resource it would
// be: what `vdc export --from-live` writes and what a resource may adopt
// (docs/adoption.md).
struct Unowned {
  Kind kind = Kind::Network;
  std::string physicalName;
  // Spec fields as the target shows them; references (an Instance's
  // networks and volumes) by their names on the target.
  Json observed = Json::object();
  std::string host;         // where the Target names several hosts
  std::string unadoptable;  // why it cannot become a resource, if it cannot
};

// A network of another VDC on the same target: a VDC whose networks overlap
// its addresses gets a warning when planned.
struct NeighbourNetwork {
  std::string vdc, name, cidr;
};

class LiveState {
 public:
  void add(LiveObject object);
  void addForeign(Foreign foreign);
  void addUnowned(Unowned unowned);
  // A resource whose record is on the target but whose object is gone
  // (deleted outside vdc): it is made anew, and the plan says it drifted.
  void addMissing(const ResourceId& id, const std::string& physicalName) { missing_[id] = physicalName; }
  void addNeighbour(NeighbourNetwork network) { neighbours_.push_back(std::move(network)); }
  const std::vector<NeighbourNetwork>& neighbours() const { return neighbours_; }

  const LiveObject* find(const ResourceId& id) const;
  const Foreign* findForeign(const ResourceId& id) const;
  const Unowned* findUnowned(Kind kind, const std::string& physicalName) const;
  bool isMissing(const ResourceId& id) const { return missing_.count(id) && !objects_.count(id); }
  const std::map<ResourceId, std::string>& missing() const { return missing_; }
  const std::map<ResourceId, LiveObject>& objects() const { return objects_; }
  const std::map<ResourceId, Foreign>& foreign() const { return foreign_; }
  const std::map<std::pair<Kind, std::string>, Unowned>& unowned() const { return unowned_; }
  // Changes whenever anything vdc would read differently: guards saved plans.
  std::string fingerprint() const;

 private:
  std::map<ResourceId, LiveObject> objects_;
  std::map<ResourceId, Foreign> foreign_;
  std::map<std::pair<Kind, std::string>, Unowned> unowned_;
  std::map<ResourceId, std::string> missing_;
  std::vector<NeighbourNetwork> neighbours_;  // not in the fingerprint: another VDC's changes void no plan
};

}  // namespace vdc
