// The desired model of a VDC: resources of a few kinds, each with a
// normalized spec (defaults filled in, sizes canonical) and its references.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/error.h"

namespace vdc {

using Json = nlohmann::json;

enum class Kind {
  VirtualDataCenter,
  Network,
  SecurityGroup,
  Image,
  KeyPair,
  Volume,
  Instance,
  LoadBalancer,
};

inline constexpr Kind kAllKinds[] = {
    Kind::VirtualDataCenter, Kind::Network, Kind::SecurityGroup, Kind::Image,
    Kind::KeyPair,           Kind::Volume,  Kind::Instance,      Kind::LoadBalancer,
};

// `object[key]` without nlohmann's undefined behaviour on a const object
// that lacks the key: null when absent (or when `object` is no object).
const Json& member(const Json& object, const std::string& key);

std::string_view kindName(Kind kind);
std::optional<Kind> parseKind(std::string_view name);

struct ResourceId {
  Kind kind = Kind::VirtualDataCenter;
  std::string name;

  std::string str() const;  // "Instance/web-0"
  static std::optional<ResourceId> parse(std::string_view text);
  auto operator<=>(const ResourceId&) const = default;
};

// Whether `text` is "Kind/name" of a known kind and a DNS-label name, as
// vdc writes resource ids (a bundle's descriptor, a saved plan).
bool isResourceId(std::string_view text);
// A resource a flag names ("--only Instance/web"); throws Error saying what
// is wrong when `text` is not "Kind/name".
ResourceId parseAddress(const std::string& flag, const std::string& text);

// The annotation by which a resource adopts an object already on the target.
inline constexpr const char* kAdoptAnnotation = "vdc/adopt";
// The annotation by which a resource says it was renamed, and takes over
// the object of its old name in place (engine/rename.h).
inline constexpr const char* kRenamedFromAnnotation = "vdc/renamed-from";

// `protect: true` in a resource's spec: no apply deletes or replaces it
// unless told to (docs/protection.md). It is no part of the object: the
// loader takes it out of the spec, and the VirtualDataCenter's spec lists
// the protected resources as `protected`, so the target's record of the
// VDC remembers them after their manifests are gone.
inline constexpr const char* kProtectField = "protect";
inline constexpr const char* kProtectedField = "protected";

struct Resource {
  ResourceId id;
  Json spec;                      // normalized desired spec
  Json labels = Json::object();   // metadata.labels
  // metadata.annotations["vdc/adopt"]: the object already on the target that
  // becomes this resource (docs/adoption.md), by its name there.
  std::string adopt;
  // metadata.annotations["vdc/renamed-from"]: its name before (for a
  // replica, the old replica's), whose object it takes over (engine/rename.h).
  std::string renamedFrom;
  Location where;                 // the manifest document
  std::vector<ResourceId> dependencies;  // references and dependsOn, expanded
  std::string specHash;           // sha256 of the canonical spec
  bool protect = false;           // spec.protect, taken out of `spec`
};

// A whole VDC as loaded from a directory: resources in a stable order
// (kind order, then name), the VirtualDataCenter first.
struct Vdc {
  std::string name;
  std::string directory;
  std::vector<Resource> resources;

  const Resource* find(const ResourceId& id) const;
  void index();  // rebuild the lookup after resources change

 private:
  std::map<ResourceId, size_t> byId_;
};

}  // namespace vdc
