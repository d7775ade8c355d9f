#include "operations/show.h"

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

}  // namespace

Shown show(Vdc& vdc, Datacenter& datacenter) {
  LiveState live = readLive(datacenter, vdc.name);
  Diagnostics unplanned;
  planPlacement(vdc, live, datacenter.hosts(), unplanned);
  planAddresses(vdc, live, unplanned);
  Shown shown{vdc.name, datacenter.describe(), recordedRevision(live, vdc.name), {}};
  for (const auto& [id, object] : live.objects()) {
    Json spec = object.effective();
    std::string state = spec.contains("state") ? spec["state"].get<std::string>() : "";
    shown.resources.push_back({id, object.physicalName, object.specHash, state, status(object, vdc), std::move(spec)});
  }
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
                                {"status", r.status},
                                {"spec", r.spec}});
  return out;
}

}  // namespace vdc::operations
