#include "engine/model.h"

#include "base/text.h"
#include "engine/units.h"

namespace vdc {

const Json& member(const Json& object, const std::string& key) {
  static const Json null;
  if (!object.is_object()) return null;
  auto it = object.find(key);
  return it == object.end() ? null : *it;
}

std::string_view kindName(Kind kind) {
  switch (kind) {
    case Kind::VirtualDataCenter: return "VirtualDataCenter";
    case Kind::Network: return "Network";
    case Kind::SecurityGroup: return "SecurityGroup";
    case Kind::Image: return "Image";
    case Kind::KeyPair: return "KeyPair";
    case Kind::Volume: return "Volume";
    case Kind::Instance: return "Instance";
    case Kind::LoadBalancer: return "LoadBalancer";
  }
  return "?";
}

std::optional<Kind> parseKind(std::string_view name) {
  for (Kind k : kAllKinds)
    if (kindName(k) == name) return k;
  return std::nullopt;
}

std::string ResourceId::str() const {
  return std::string(kindName(kind)) + "/" + name;
}

std::optional<ResourceId> ResourceId::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto kind = parseKind(text.substr(0, slash));
  if (!kind) return std::nullopt;
  return ResourceId{*kind, std::string(text.substr(slash + 1))};
}

bool isResourceId(std::string_view text) {
  auto id = ResourceId::parse(text);
  return id && isDnsLabel(id->name);
}

ResourceId parseAddress(const std::string& flag, const std::string& text) {
  auto id = ResourceId::parse(text);
  if (!id || !isDnsLabel(id->name))
    throw Error(flag + " " + printable(text) + ": name a resource as Kind/name (Instance/web, Volume/data)");
  return *id;
}

const Resource* Vdc::find(const ResourceId& id) const {
  auto it = byId_.find(id);
  return it == byId_.end() ? nullptr : &resources[it->second];
}

void Vdc::index() {
  byId_.clear();
  for (size_t i = 0; i < resources.size(); ++i) byId_.emplace(resources[i].id, i);
}

}  // namespace vdc
