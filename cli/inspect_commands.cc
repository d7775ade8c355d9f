// validate, show and graph: the commands that only look.
#include <iostream>

#include "cli/commands.h"
#include "cli/session.h"
#include "cli/watcher.h"
#include "engine/addresses.h"
#include "engine/placement.h"
#include "engine/graph.h"

namespace vdc::cli {

int validateCommand(const CommonOptions& options) {
  auto vdc = loadOrReport(options.directory);
  if (!vdc) return 1;
  std::cout << "VDC " << vdc->name << " is valid: " << vdc->resources.size() << " resources.\n";
  return 0;
}

int graphCommand(const CommonOptions& options) {
  auto vdc = loadOrReport(options.directory);
  if (!vdc) return 1;
  std::cout << DependencyGraph::of(*vdc).dot(vdc->name);
  return 0;
}

static std::string status(const LiveObject& object, const Vdc& vdc) {
  const Resource* desired = vdc.find(object.id);
  if (!desired) return "not in manifests";
  if (object.specHash != desired->specHash || object.effective() != desired->spec) return "changed";
  return "in sync";
}

int showCommand(const ShowOptions& options) {
  auto opened = openVdcOrReport(options);
  if (!opened) return 1;
  Vdc* vdc = &opened->vdc;
  Datacenter* datacenter = opened->datacenter.get();
  try {
    LiveState live = readLive(*datacenter, vdc->name);
    Diagnostics unplanned;  // a network out of addresses, or hosts out of room, shows as "changed"
    planPlacement(*vdc, live, datacenter->hosts(), unplanned);
    planAddresses(*vdc, live, unplanned);
    // The git revision vdc watch last applied whole, from the VDC's record.
    const LiveObject* record = live.find({Kind::VirtualDataCenter, vdc->name});
    std::string revision = record ? record->recorded.value(kRevisionField, "") : "";
    if (options.json) {
      Json out;
      out["vdc"] = vdc->name;
      out["target"] = datacenter->describe();
      out["revision"] = revision.empty() ? Json() : Json(revision);
      out["resources"] = Json::array();
      for (const auto& [id, object] : live.objects())
        out["resources"].push_back({{"address", id.str()},
                                    {"kind", kindName(id.kind)},
                                    {"name", id.name},
                                    {"physicalName", object.physicalName},
                                    {"specHash", object.specHash},
                                    {"status", status(object, *vdc)},
                                    {"spec", object.effective()}});
      std::cout << out.dump(2) << "\n";
      return 0;
    }
    std::cout << "VDC " << vdc->name << " on " << datacenter->describe() << ": " << live.objects().size()
              << " resources" << (revision.empty() ? "" : ", revision " + revision + " (vdc watch)") << "\n\n";
    size_t addressWidth = 8, physicalWidth = 11;
    for (const auto& [id, object] : live.objects()) {
      addressWidth = std::max(addressWidth, id.str().size());
      physicalWidth = std::max(physicalWidth, object.physicalName.size());
    }
    auto row = [&](const std::string& a, const std::string& p, const std::string& s, const std::string& st) {
      std::cout << a << std::string(addressWidth + 2 - a.size(), ' ') << p
                << std::string(physicalWidth + 2 - p.size(), ' ') << s << std::string(9 - std::min<size_t>(s.size(), 8), ' ')
                << st << "\n";
    };
    row("RESOURCE", "TARGET NAME", "STATE", "STATUS");
    for (const auto& [id, object] : live.objects()) {
      Json spec = object.effective();
      std::string state = spec.contains("state") ? spec["state"].get<std::string>() : "-";
      row(id.str(), object.physicalName.empty() ? "(record)" : object.physicalName, state, status(object, *vdc));
    }
    return 0;
  } catch (const Error& e) {
    reportError(e.what());
    return 1;
  }
}

}  // namespace vdc::cli
