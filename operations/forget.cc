#include "operations/forget.h"

#include <set>

#include "engine/filter.h"
#include "engine/kinds/instance.h"
#include "engine/resolve.h"
#include "operations/session.h"

namespace vdc::operations {

std::optional<std::string> cannotForget(const LiveObject& object) {
  switch (object.id.kind) {
    case Kind::Network:
    case Kind::Volume: return std::nullopt;
    case Kind::Instance:
      if (!InstanceSpec(object.recorded).container()) return std::nullopt;
      return "vdc cannot adopt a container again";
    case Kind::VirtualDataCenter: return "it is the VDC's own record: vdc destroy removes the VDC";
    case Kind::KeyPair: return "a KeyPair is only a record, with nothing to leave on the target: delete its manifest";
    default:
      return "vdc cannot adopt a " + std::string(kindName(object.id.kind)) +
             " again (docs/adoption.md): delete its manifest to delete it";
  }
}

std::vector<Forgotten> forget(const ForgetRequest& request) {
  Vdc vdc = load(request.directory);
  DatacenterPtr datacenter = openTarget(request.target);
  LeasePtr lease = lockVdc(*datacenter, vdc.name, "vdc forget");
  LiveState live = readLive(*datacenter, vdc.name);

  std::set<ResourceId> held;
  for (const auto& [id, object] : live.objects()) held.insert(id);
  std::vector<Forgotten> forgotten;
  std::string problems;
  for (const auto& text : request.addresses) {
    try {
      for (auto& id : resolveAddress("vdc forget", text, held)) {
        const LiveObject& object = *live.find(id);
        if (auto why = cannotForget(object)) problems += "\n  " + id.str() + ": " + *why;
        else if (object.orphaned) problems += "\n  " + id.str() + ": its object is gone; what is left is the VDC's";
        else forgotten.push_back({id, object.physicalName, vdc.find(id) != nullptr});
      }
    } catch (const Error& e) {
      problems += "\n  " + (isResourceId(text) ? text + ": " + datacenter->describe() +
                                                      " holds no object of the VDC by that name (forgotten already, "
                                                      "or never made)"
                                                : e.message());
    }
  }
  // A machine goes with what it is made of and plugged into: what the VDC
  // keeps managing could be deleted or made anew under it.
  std::set<ResourceId> going;
  for (const auto& f : forgotten) going.insert(f.id);
  for (const auto& f : forgotten) {
    if (f.id.kind != Kind::Instance) continue;
    for (const auto& ref : specReferences(Kind::Instance, live.find(f.id)->recorded)) {
      if (ref.kind == Kind::KeyPair || going.count(ref) || !live.find(ref)) continue;
      if (ref.kind == Kind::Image || ref.kind == Kind::SecurityGroup)
        problems += "\n  " + f.id.str() + ": it is made of or filtered by " + ref.str() +
                    ", which the VDC keeps managing and cannot forget";
      else
        problems += "\n  " + f.id.str() + ": it refers to " + ref.str() + ", which the VDC would keep managing: forget it too";
    }
  }
  if (!problems.empty()) throw Failure(FailureKind::Invalid, "nothing was forgotten:" + problems);

  ApplyIntent intent;
  intent.vdc = vdc.name;
  if (lease) intent.fence = lease->token();
  for (Provider* provider : datacenter->providers()) provider->prepare(intent);
  if (lease) lease->check();
  // What was forgotten stays forgotten when a later one fails.
  auto finish = [&] {
    for (Provider* provider : datacenter->providers()) provider->finish();
    datacenter->commit();
  };
  try {
    for (const auto& f : forgotten) datacenter->providerFor(f.id.kind).forget(vdc.name, *live.find(f.id));
  } catch (...) {
    finish();
    throw;
  }
  finish();
  return forgotten;
}

}  // namespace vdc::operations
