// The home of each kind: engine/kinds/KIND.cc declares its fields (types,
// defaults, which changes force a replacement or restart: engine/schema.h),
// the resources its spec names (the dependency edges), and the checks of
// its manifests that need the rest of the VDC. The manifest reader, the
// resolver, the diff and the schema check dispatch through rulesOf(kind).
// A kind's defaults that providers read are in its header (volume.h, ...),
// with a typed view of its spec.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "engine/manifest.h"
#include "engine/model.h"
#include "engine/schema.h"
#include "engine/units.h"

namespace vdc {

// What a kind's checks see of the whole VDC while the resolver walks it:
// the other manifests, and what earlier manifests claimed.
class Checks {
 public:
  virtual ~Checks() = default;
  virtual const Manifest* lookup(Kind kind, const std::string& name) const = 0;
  // Where `path` ("spec.interfaces[0].ip") is written in `m` (its document when not known).
  virtual Location mentionAt(const Manifest& m, const std::string& path) const = 0;
  virtual void problem(Location where, std::string message) = 0;

  std::vector<std::pair<Cidr, Location>> networks;           // the networks seen so far
  std::map<std::string, Location> fixedAddresses;            // "network/ip" -> where it is claimed
  std::map<std::string, std::vector<Location>> attachments;  // Volume name -> where it is attached
};

using AddReference = std::function<void(Kind kind, const Json& name)>;

// What the replace of a resource a spec names does to that spec's object
// (engine/follow.h).
enum class Following {
  Nothing,    // it keeps no hold on the old object (a name, a copy, an address)
  Reconnect,  // it lets go of the old object before that goes, and takes the new one once made
  Replace,    // it is made of the old object (a copy-on-write child of it): it is made again
};

// What the rest of vdc asks of every kind. Each kind says each of them, so
// that a kind added cannot be forgotten anywhere: engine.kinds fails on one
// left unsaid.
struct KindFacts {
  // Lives on one host of the target: placement picks the host, and a move
  // to another makes it anew there (engine/placement.h).
  std::optional<bool> placed;
  // Has a disk whose bytes a bundle carries (vdc export, vdc import).
  std::optional<bool> carriesDisk;
  // `renamedFrom` keeps its object under the new name (engine/rename.h).
  std::optional<bool> renamable;
  // A manifest may take over an object already on the target (docs/adoption.md).
  std::optional<bool> adoptable;
  // What a change of a field marked `restarts` restarts, as plans say it
  // ("the instance"); "" for a kind with no such field.
  std::optional<std::string> restarts;
  // What a delete or replace of it, as it was (`before`), loses for good;
  // "" when nothing. An atomic apply refuses what it cannot undo
  // (engine/atomic.h).
  std::string (*dataLost)(const Json& before) = nullptr;
};

// For a kind whose delete loses nothing an apply cannot make again.
inline std::string nothingLost(const Json&) { return ""; }

struct KindRules {
  std::vector<Field> (*fields)();
  // The resources a spec names, which must exist before it (none: it names none).
  void (*references)(const Json& spec, const AddReference& add) = nullptr;
  // Checks beyond each field's own (none: there are none).
  void (*check)(const Manifest& m, Checks& checks) = nullptr;
  // What a replace of `referred`, which the spec names, does to it (none: Nothing).
  Following (*onReplaced)(const Json& spec, const ResourceId& referred) = nullptr;
  // Fields planning adds to the spec that the guest reads at boot: a change
  // restarts it, as a change of a field marked `restarts` does.
  std::vector<std::string> plannedForBoot = {};
  KindFacts facts = {};
};

const KindRules& rulesOf(Kind kind);

// A kind's facts (KindFacts), read where they are asked.
bool placedOnHost(Kind kind);
bool carriesDisk(Kind kind);
bool isRenamable(Kind kind);
bool isAdoptable(Kind kind);
std::string restartsWhat(Kind kind);
std::string dataLostBy(Kind kind, const Json& before);

// Whether `ip` is a host address of `cidr` (not its network or broadcast address).
bool isHostOf(const Cidr& cidr, Ipv4 ip);

}  // namespace vdc
