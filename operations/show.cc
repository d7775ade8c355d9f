#include "operations/show.h"

#include <algorithm>

#include "engine/addresses.h"
#include "engine/placement.h"
#include "operations/planning.h"
#include "operations/session.h"

namespace vdc::operations {

namespace {

std::string status(const LiveObject& object, const Vdc& vdc) {
  const Resource* desired = vdc.find(object.id);
  if (!desired) return "not in manifests";
  if (object.specHash != desired->specHash || object.effective() != desired->spec) return "changed";
  return "in sync";
}

// As the plan tells drift: a field the target shows that the record does not hold, or holds otherwise.
std::vector<std::string> drifted(const LiveObject& object) {
  std::vector<std::string> fields;
  if (!object.observed.is_object()) return fields;
  for (const auto& [field, value] : object.observed.items())
    if (!object.recorded.is_object() || !object.recorded.contains(field) || object.recorded[field] != value)
      fields.push_back(field);
  return fields;
}

}  // namespace

Shown show(Vdc& vdc, Datacenter& datacenter) {
  LiveState live = readLive(datacenter, vdc.name);
  keepRecordedRevision(vdc, live);
  Diagnostics unplanned;
  planPlacement(vdc, live, datacenter.hosts(), unplanned);
  planAddresses(vdc, live, unplanned);
  Shown shown{vdc.name, datacenter.describe(), recordedRevision(live, vdc.name), {}};
  for (const auto& [id, object] : live.objects()) {
    Json spec = object.effective();
    std::string state = spec.contains("state") ? spec["state"].get<std::string>() : "";
    shown.resources.push_back(
        {id, object.physicalName, object.specHash, state, status(object, vdc), drifted(object), std::move(spec)});
  }
  // Deleted outside vdc, its record (and a machine's disks) left: absent until an apply makes it again.
  for (const auto& [id, physical] : live.missing())
    if (live.isMissing(id))
      shown.resources.push_back({id, physical, "", "absent", vdc.find(id) ? "changed" : "not in manifests", {"state"},
                                 Json::object()});
  std::sort(shown.resources.begin(), shown.resources.end(),
            [](const ShownResource& a, const ShownResource& b) { return a.id < b.id; });
  return shown;
}

Json Shown::toJson() const {
  Json out;
  out["vdc"] = vdc;
  out["target"] = target;
  out["revision"] = revision.empty() ? Json() : Json(revision);
  out["resources"] = Json::array();
  for (const auto& r : resources)
    out["resources"].push_back({{"address", r.id.str()},
                                {"kind", kindName(r.id.kind)},
                                {"name", r.id.name},
                                {"physicalName", r.physicalName},
                                {"specHash", r.specHash},
                                {"state", r.state.empty() ? Json() : Json(r.state)},
                                {"status", r.status},
                                {"drifted", r.drifted},
                                {"spec", r.spec}});
  return out;
}

}  // namespace vdc::operations
