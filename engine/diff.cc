#include "engine/diff.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "engine/conflicts.h"
#include "engine/follow.h"
#include "engine/rename.h"
#include "engine/resolve.h"
#include "engine/schema.h"
#include "engine/units.h"
#include "engine/kinds/kind_rules.h"

namespace vdc {

namespace {

void compare(const Json& before, const Json& after, const std::string& path, std::vector<FieldChange>& out) {
  if (before == after) return;
  if (before.is_object() && after.is_object()) {
    for (const auto& item : before.items()) {
      std::string sub = path + "." + item.key();
      compare(item.value(), after.contains(item.key()) ? after[item.key()] : Json(), sub, out);
    }
    for (const auto& item : after.items())
      if (!before.contains(item.key())) out.push_back({path + "." + item.key(), Json(), item.value()});
    return;
  }
  if (before.is_array() && after.is_array() && before.size() == after.size() && !before.empty() &&
      before[0].is_object()) {
    for (size_t i = 0; i < before.size(); ++i)
      compare(before[i], after[i], path + "[" + std::to_string(i) + "]", out);
    return;
  }
  out.push_back({path, before, after});
}

std::string topField(const std::string& path) { return path.substr(0, path.find_first_of(".[")); }

bool forcesReplacement(Kind kind, const FieldChange& change) {
  std::string top = topField(change.path);
  const Field* field = findField(specFields(kind), top);
  if (field && field->forcesReplacement) return true;
  // Planned placement (engine/placement.h): what lives on one host moves by
  // being made again on the other.
  if (top == "hosts" && placedOnHost(kind)) return true;
  if (kind == Kind::Volume && top == "size" && change.before.is_string() && change.after.is_string()) {
    auto before = parseSize(change.before.get<std::string>());
    auto after = parseSize(change.after.get<std::string>());
    return before && after && *after < *before;  // shrinking loses data
  }
  return false;
}

// The foreign objects whose record names `vdc` itself: not its own.
std::vector<Foreign> claimedBy(const std::string& vdc, const LiveState& live) {
  std::vector<Foreign> claimed;
  for (const auto& [id, foreign] : live.foreign())
    if (foreign.owner == vdc && !foreign.heldBy) claimed.push_back(foreign);
  return claimed;
}

// What the target's record of the VDC lists as protected: it outlives the
// manifests that said so.
std::set<ResourceId> recordedProtection(const std::string& vdc, const LiveState& live) {
  std::set<ResourceId> out;
  const LiveObject* record = live.find({Kind::VirtualDataCenter, vdc});
  if (!record) return out;
  for (const auto& entry : member(record->recorded, kProtectedField))
    if (auto id = ResourceId::parse(entry.is_string() ? entry.get<std::string>() : "")) out.insert(*id);
  return out;
}

// What is left of an object deleted outside vdc (its record, a virtual
// machine's disks), as its delete takes it.
LiveObject leftOf(const ResourceId& id, const std::string& physical) {
  return {id, physical, "", Json::object(), {{"state", "absent"}}};
}

Change deletion(const std::string& vdc, const LiveObject& object, const std::set<ResourceId>& protect) {
  Change c;
  c.id = object.id;
  c.protect = protect.count(object.id) > 0;
  c.action = Action::Delete;
  c.physical = object.physicalName;
  c.before = object.effective();
  c.dependencies = recordedDependencies(vdc, object);
  return c;
}

// Adoption: an unowned object becomes `r` in place (docs/adoption.md).
class Adoptions {
 public:
  Adoptions(const Vdc& desired, const LiveState& live, const std::string& target, Diagnostics& problems)
      : live_(live), target_(target), problems_(problems) {
    // What the target calls each Network and Volume, for the references of adopted instances.
    for (const auto& [id, object] : live.objects()) named_[{id.kind, object.physicalName}] = id.name;
    for (const auto& r : desired.resources)
      if (!r.adopt.empty()) named_[{r.id.kind, r.adopt}] = r.id.name;
  }

  // Fills `c` as an adoption; false (with the reason in problems) when it cannot be one.
  bool plan(const Resource& r, Change& c) {
    std::string what = r.id.str() + ": cannot adopt '" + r.adopt + "'";
    const Unowned* object = live_.findUnowned(r.id.kind, r.adopt);
    if (!object) {
      problems_.add(r.where, what + ": " + target_ + " has no " + std::string(kindName(r.id.kind)) +
                                 " of that name that no VDC owns (vdc export --from-live lists them)");
      return false;
    }
    if (!object->unadoptable.empty()) {
      problems_.add(r.where, what + ": " + object->unadoptable);
      return false;
    }
    if (auto [it, fresh] = claimed_.try_emplace({r.id.kind, r.adopt}, r.id); !fresh) {
      problems_.add(r.where, what + ": " + it->second.str() + " adopts it too");
      return false;
    }
    c.action = Action::Adopt;
    c.adopt = r.adopt;
    c.before = overlay(r.spec, byResourceNames(r.id.kind, object->observed));
    compare(c.before, r.spec, "", c.fields);
    bool ok = true;
    for (auto& f : c.fields) {
      f.path.erase(0, 1);
      f.drift = true;  // whatever differs was made outside vdc
      if (forcesReplacement(r.id.kind, f)) {
        problems_.add(r.where, what + ": its " + f.path + " is " + (f.before.is_null() ? "(none)" : f.before.dump()) +
                                   ", and changing it would make it anew; write that in the manifest");
        ok = false;
      }
    }
    return ok;
  }

 private:
  Json byResourceNames(Kind kind, Json observed) const {
    if (kind != Kind::Instance) return observed;
    auto rename = [&](Json& list, const char* field, Kind referred) {
      if (!list.is_array()) return;
      for (auto& entry : list) {
        if (!entry.is_object() || !entry.contains(field) || !entry[field].is_string()) continue;
        auto it = named_.find({referred, entry[field].get<std::string>()});
        if (it != named_.end()) entry[field] = it->second;
      }
    };
    if (observed.contains("interfaces")) rename(observed["interfaces"], "network", Kind::Network);
    if (observed.contains("volumes")) rename(observed["volumes"], "volume", Kind::Volume);
    return observed;
  }

  const LiveState& live_;
  const std::string& target_;
  Diagnostics& problems_;
  std::map<std::pair<Kind, std::string>, std::string> named_;
  std::map<std::pair<Kind, std::string>, ResourceId> claimed_;
};

}  // namespace

std::vector<ResourceId> recordedDependencies(const std::string& vdc, const LiveObject& object) {
  std::vector<ResourceId> deps;
  if (object.recorded.is_object()) deps = specReferences(object.id.kind, object.recorded);
  for (const auto& entry : object.recorded.value("dependsOn", Json::array()))
    if (auto id = ResourceId::parse(entry.get<std::string>())) deps.push_back(*id);
  if (object.id.kind != Kind::VirtualDataCenter) deps.push_back({Kind::VirtualDataCenter, vdc});
  return deps;
}

// Fills `c.before` (`object` as it is, what it refers to by the names the
// renames give) and `c.fields`, the changes that make it `r`.
static void compareWith(const Resource& r, const LiveObject& object, Change& c, const Renames& renames) {
  c.before = byNewNames(r.id.kind, object.effective(), renames);
  compare(c.before, r.spec, "", c.fields);
  for (auto& f : c.fields) {
    f.path.erase(0, 1);  // the leading "."
    std::string top = topField(f.path);
    // A field only the target shows (no record has it) can only come from outside vdc.
    f.drift = object.observed.contains(top) &&
              (!object.recorded.contains(top) || object.observed[top] != object.recorded[top]);
    f.forcesReplacement = forcesReplacement(r.id.kind, f);
    f.restarts = takesARestart(r.id.kind, top, c.before, r.spec) && c.before.value("state", "") == "running" &&
                 r.spec.value("state", "") == "running";
  }
}

bool makesAnew(const Resource& r, const LiveObject& object) {
  Change c;
  compareWith(r, object, c, {});
  return std::any_of(c.fields.begin(), c.fields.end(), [](const FieldChange& f) { return f.forcesReplacement; });
}

// A rename that cannot be carried out with the rest of the plan: what the
// renamed object holds on to is made anew (it would have to let go of it
// and take the new one, or be made anew itself), or an earlier object of
// the new name left something behind. The rename goes alone first.
static void refuseTangledRenames(const Plan& plan, const Vdc& desired, const LiveState& live, Diagnostics& problems) {
  for (const auto& c : plan.changes) {
    if (c.action != Action::Rename) continue;
    const Resource* r = desired.find(c.id);
    std::string why;
    if (live.isMissing(c.id)) why = "what is left of an earlier " + c.id.str() + " (deleted outside vdc) is still on the target";
    for (const auto& dep : c.dependencies) {
      const Change* made = plan.find(dep);
      bool remade = made && (made->action == Action::Replace || (made->action == Action::Create && made->drift));
      if (why.empty() && remade && holdsOn(c.id.kind, c.after, dep)) why = dep.str() + ", which it holds on to, is made anew";
    }
    if (!why.empty())
      problems.add(r ? r->where : Location{}, c.id.str() + " is renamed from " + c.renamedFrom + " while " + why +
                                                  ": apply the rename on its own first, or drop " +
                                                  kRenamedFromAnnotation);
  }
}

Plan diff(const Vdc& desired, const LiveState& live, const std::string& target, bool destroy,
          Diagnostics& problems, const std::set<ResourceId>& replace) {
  if (destroy) return destroyPlan(desired.name, live, target);
  Plan plan;
  plan.vdc = desired.name;
  plan.directory = desired.directory;
  plan.target = target;
  plan.liveFingerprint = live.fingerprint();
  Adoptions adoptions(desired, live, target, problems);
  std::set<ResourceId> recordedProtect = recordedProtection(desired.name, live);
  // A resource to make that objects on the target refer to was there
  // before: it was deleted outside vdc. Found once, when a create needs it.
  std::optional<std::set<ResourceId>> referenced;
  auto referencedByLive = [&](const ResourceId& id) {
    if (!referenced) {
      referenced.emplace();
      for (const auto& [other, object] : live.objects())
        for (auto& ref : recordedDependencies(desired.name, object)) referenced->insert(std::move(ref));
    }
    return referenced->count(id) > 0;
  };

  // A rename the plan replaces anyway (--replace) is a create and a delete:
  // there is nothing to keep.
  Renames renames = pendingRenames(desired, live);
  std::erase_if(renames, [&](const auto& rename) { return replace.count({rename.first.kind, rename.second}) > 0; });
  auto desiredChange = [&](const Resource& r) {
    Change c;
    c.id = r.id;
    c.protect = r.protect || recordedProtect.count(r.id);
    c.after = r.spec;
    c.specHash = r.specHash;
    c.dependencies = r.dependencies;
    if (r.id.kind != Kind::VirtualDataCenter) c.dependencies.push_back({Kind::VirtualDataCenter, desired.name});
    return c;
  };
  for (const auto& r : desired.resources) {
    Change c = desiredChange(r);

    const LiveObject* object = live.find(r.id);
    if (const LiveObject* old = object ? nullptr : liveObjectOf(r, live, renames)) {
      c.action = Action::Rename;
      c.renamedFrom = r.renamedFrom;
      c.physical = old->physicalName;
      compareWith(r, *old, c, renames);
      plan.changes.push_back(std::move(c));
      continue;
    }
    bool asked = replace.count(r.id) > 0;
    if (asked && !object)
      problems.add(r.where, "--replace " + r.id.str() + ": " + target + " does not hold it; the plan makes it");
    if (!object && !r.adopt.empty()) {
      if (adoptions.plan(r, c)) plan.changes.push_back(std::move(c));
      continue;
    }
    if (!object) {
      if (const Foreign* f = live.findForeign(r.id); f && f->heldBy) {
        problems.add(r.where, r.id.str() + ": its name on " + target + ", '" + f->physicalName + "', is kept by " +
                                  f->heldBy->str() + ", which was renamed from it; give it another name");
        continue;
      }
      if (const Foreign* f = live.findForeign(r.id)) {
        problems.add(r.where, r.id.str() + ": '" + f->physicalName + "' already exists on " + target +
                                  (f->owner.empty() ? " and was not created by vdc (or was forgotten)"
                                                    : " and belongs to VDC '" + f->owner + "'") +
                                  "; vdc will not touch it" +
                                  (f->owner.empty() ? ". To manage it, adopt it: annotate the manifest vdc/adopt: '" +
                                                          f->physicalName + "' (docs/adoption.md)"
                                                    : ""));
        continue;
      }
      c.action = Action::Create;
      c.drift = live.isMissing(r.id) || referencedByLive(r.id);
      plan.changes.push_back(std::move(c));
      continue;
    }
    if (!asked && object->specHash == r.specHash && object->matches(r.spec)) {
      ++plan.unchanged;
      continue;
    }
    compareWith(r, *object, c, renames);
    if (!asked && c.fields.empty() && object->specHash == r.specHash) {
      ++plan.unchanged;
      continue;
    }
    bool replaced = asked || object->orphaned, allDrift = !c.fields.empty();
    for (const auto& f : c.fields) {
      replaced = replaced || f.forcesReplacement;
      allDrift = allDrift && f.drift;
    }
    c.action = replaced ? Action::Replace : Action::Update;
    c.replaceAsked = asked;
    c.drift = allDrift;
    if (replaced) {
      c.priorDependencies = recordedDependencies(desired.name, *object);
      c.physical = object->physicalName;
    }
    plan.changes.push_back(std::move(c));
  }
  for (const auto& [id, object] : live.objects())
    if (!desired.find(id) && !renames.count(id)) plan.changes.push_back(deletion(desired.name, object, recordedProtect));
  for (const auto& [id, physical] : live.missing())
    if (live.isMissing(id) && !desired.find(id))
      plan.changes.push_back(deletion(desired.name, leftOf(id, physical), recordedProtect));
  for (const auto& id : replace)
    if (!desired.find(id))
      problems.add({}, "--replace " + id.str() + ": the manifests no longer hold it" +
                           (live.find(id) ? "; the plan deletes it" : ""));
  followReplaces(plan, desired, live, [&](const Resource& r, const LiveObject& object) {
    Change c = desiredChange(r);
    c.action = Action::Update;
    c.before = object.effective();
    return c;
  });
  orderConflicts(plan);

  std::sort(plan.changes.begin(), plan.changes.end(),
            [](const Change& a, const Change& b) { return a.id < b.id; });
  refuseTangledRenames(plan, desired, live, problems);
  plan.claimed = claimedBy(desired.name, live);
  return plan;
}

Plan destroyPlan(const std::string& vdc, const LiveState& live, const std::string& target) {
  Plan plan;
  plan.vdc = vdc;
  plan.target = target;
  plan.destroy = true;
  plan.liveFingerprint = live.fingerprint();
  std::set<ResourceId> protect = recordedProtection(vdc, live);
  for (const auto& [id, object] : live.objects()) plan.changes.push_back(deletion(vdc, object, protect));
  for (const auto& [id, physical] : live.missing())
    if (live.isMissing(id)) plan.changes.push_back(deletion(vdc, leftOf(id, physical), protect));
  plan.claimed = claimedBy(vdc, live);
  return plan;
}

}  // namespace vdc
