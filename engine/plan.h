// A Plan is a value: made by diff(), shown by render, saved to a file,
// loaded again and executed by apply. It carries everything apply needs, so
// a saved plan runs without the manifests.
#pragma once

#include <string>
#include <vector>

#include "engine/live.h"
#include "engine/model.h"

namespace vdc {

// Adopt: an object already on the target, owned by no VDC, becomes the
// resource in place (docs/adoption.md); field changes are made after.
// Rename: the object of the resource's old name becomes it in place
// (engine/rename.h); field changes are made after.
enum class Action { Create, Update, Replace, Delete, Adopt, Rename };
inline constexpr Action kActions[] = {Action::Create, Action::Update, Action::Replace,
                                      Action::Delete, Action::Adopt,  Action::Rename};

std::string_view actionName(Action action);  // "create", "update", ...
std::string_view actionSymbol(Action action);  // "+", "~", "-/+", "-", "<="

struct FieldChange {
  std::string path;   // "memory", "interfaces[0].securityGroups"
  Json before;        // null when absent
  Json after;         // null when removed
  bool forcesReplacement = false;
  bool drift = false;     // the live object moved away from what vdc applied
  bool restarts = false;  // the running instance restarts for it to take effect
};

struct Change {
  ResourceId id;
  Action action = Action::Create;
  Json before;  // effective live spec; null for create
  Json after;   // desired spec; null for delete
  std::string specHash;  // of `after`
  std::vector<FieldChange> fields;
  // Create/update: what must exist first. Delete: what it needed (so it
  // goes before them).
  std::vector<ResourceId> dependencies;
  std::vector<ResourceId> priorDependencies;  // replace: what the old object needed
  // Replaced objects this one follows (engine/follow.h). An update lets go
  // of them before they go and takes them again once made; a replace is
  // made anew because it is made of them.
  std::vector<ResourceId> follows;
  bool drift = false;  // every field change is drift back to desired; a create: the object was deleted outside vdc
  bool replaceAsked = false;  // a replace that --replace asked for
  std::string adopt;   // Adopt: the object's name on the target
  std::string renamedFrom;  // Rename: the resource's old name (of the same kind)
  // Delete and Replace: the object's name on the target, which goes.
  // Rename: the object's name on the target, which it keeps.
  std::string physical;
  // Protected by its manifest or by the target's record of the VDC: a
  // delete or replace of it needs Plan::allowDestroy to name it.
  bool protect = false;
};

// A change a partial plan leaves out (engine/filter.h), and why.
struct LeftOut {
  ResourceId id;
  Action action = Action::Create;
  std::string why;  // "not selected", "excluded", "comes after Network/back, which is left out"
};

struct Summary {
  size_t create = 0, update = 0, replace = 0, remove = 0, adopt = 0, rename = 0, unchanged = 0;
  size_t changes() const { return create + update + replace + remove + adopt + rename; }
};

struct Plan {
  static constexpr int kFormatVersion = 1;

  std::string vdc;
  std::string directory;  // where the manifests were, absolute
  std::string target;     // Datacenter::describe() of the target it was made for
  bool destroy = false;
  std::string liveFingerprint;
  std::vector<Change> changes;  // in a stable order: kind, then name
  size_t unchanged = 0;
  // Objects that carry a record naming this VDC but are not its own (a
  // record copied onto another object): shown, and left alone.
  std::vector<Foreign> claimed;
  // Protected resources this plan may delete or replace all the same
  // (--allow-destroy), as reviewed with it.
  std::vector<ResourceId> allowDestroy;
  // A partial plan (--only, --exclude, engine/filter.h): the filter as
  // given, and the changes it left out.
  std::vector<std::string> only, exclude;
  std::vector<LeftOut> leftOut;
  bool partial() const { return !only.empty() || !exclude.empty(); }

  Summary summary() const;
  bool empty() const { return changes.empty(); }
  // The change of `id`, if any (its changes in their stable order).
  const Change* find(const ResourceId& id) const;

  // With "digest": the sha256 of everything else in it, as saved.
  Json toJson() const;
  // Throws Error on a bad or foreign file: each field is held to what a
  // plan vdc makes can hold (names, actions, specs as the schema says), and
  // the digest must match (a plan edited by hand is refused).
  static Plan fromJson(const Json& json);
  void save(const std::string& path) const;
  static Plan load(const std::string& path);  // at most kMaxFileBytes
  static constexpr uint64_t kMaxFileBytes = 256ull << 20;
  // "sha256:" and the digest of a plan's JSON without its "digest".
  static std::string digest(const Json& json);
};

}  // namespace vdc
