#include "engine/rename.h"

#include <algorithm>

#include "engine/diff.h"
#include "engine/kinds/kind_rules.h"

namespace vdc {

Renames pendingRenames(const Vdc& desired, const LiveState& live) {
  Renames renames;
  for (const auto& r : desired.resources) {
    if (r.renamedFrom.empty() || live.find(r.id)) continue;
    ResourceId old{r.id.kind, r.renamedFrom};
    const LiveObject* object = live.find(old);
    // Made anew anyway (another image, say): a create and a delete, nothing to keep.
    if (!object || object->orphaned || desired.find(old) || makesAnew(r, *object)) continue;
    renames[old] = r.id.name;
  }
  return renames;
}

const LiveObject* liveObjectOf(const Resource& r, const LiveState& live, const Renames& renames) {
  if (const LiveObject* own = live.find(r.id)) return own;
  if (r.renamedFrom.empty()) return nullptr;
  ResourceId old{r.id.kind, r.renamedFrom};
  return renames.count(old) ? live.find(old) : nullptr;
}

Json byNewNames(Kind kind, Json spec, const Renames& renames) {
  if (renames.empty() || !spec.is_object()) return spec;
  if (auto references = rulesOf(kind).references)
    references(spec, [&](Kind referred, const Json& name) {
      if (!name.is_string()) return;
      auto renamed = renames.find({referred, name.get<std::string>()});
      // `name` is an element of `spec`, this function's own copy.
      if (renamed != renames.end()) const_cast<Json&>(name) = renamed->second;
    });
  if (spec.contains("dependsOn") && spec["dependsOn"].is_array())
    for (auto& entry : spec["dependsOn"]) {
      auto id = ResourceId::parse(entry.is_string() ? entry.get<std::string>() : "");
      if (!id) continue;
      auto renamed = renames.find(*id);
      if (renamed != renames.end()) entry = ResourceId{id->kind, renamed->second}.str();
    }
  return spec;
}

Renames renamesIn(const Plan& plan) {
  Renames renames;
  for (const auto& c : plan.changes)
    if (c.action == Action::Rename) renames[{c.id.kind, c.renamedFrom}] = c.id.name;
  return renames;
}

LiveObject byNewNames(const LiveObject& object, const Renames& renames) {
  LiveObject renamed = object;
  renamed.recorded = byNewNames(object.id.kind, object.recorded, renames);
  renamed.observed = byNewNames(object.id.kind, object.observed, renames);
  return renamed;
}

std::vector<std::string> describeRenamedReferences(const Plan& plan, const Change& change) {
  std::vector<std::string> lines;
  if (change.action != Action::Update) return lines;
  for (const auto& id : change.dependencies)
    if (const Change* c = plan.find(id); c && c->action == Action::Rename)
      lines.push_back("refers to " + c->id.str() + " (renamed from " + c->renamedFrom + ")");
  return lines;
}

}  // namespace vdc
