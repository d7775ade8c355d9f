#include "engine/limits.h"

#include "engine/kinds/volume.h"

namespace vdc {

namespace {

// The storage class of what a resource keeps on disk: a volume's own, the
// standard class for an image, an instance's or a load balancer's root disk.
std::optional<std::string> storageClassOf(Kind kind, const Json& spec) {
  switch (kind) {
    case Kind::Volume: return spec.is_object() ? VolumeSpec(spec).storageClass() : kStandardStorageClass;
    case Kind::Image:
    case Kind::Instance:
    case Kind::LoadBalancer: return std::string(kStandardStorageClass);
    default: return std::nullopt;
  }
}

}  // namespace

std::vector<ParallelLimits::Bound> ParallelLimits::boundsOf(Kind kind, const Json& spec) const {
  std::vector<Bound> bounds;
  if (empty()) return bounds;
  std::vector<std::string> on;
  if (spec.is_object() && spec.contains("hosts") && spec["hosts"].is_array())
    for (const auto& host : spec["hosts"])
      if (host.is_string()) on.push_back(host.get<std::string>());
  if (on.empty()) on = hosts;
  std::optional<std::string> pool;
  if (auto storageClass = storageClassOf(kind, spec)) {
    auto mapped = poolOfClass.find(*storageClass);
    pool = mapped == poolOfClass.end() ? *storageClass : mapped->second;
  }
  for (const auto& host : on) {
    if (auto limit = perHost.find(host); limit != perHost.end()) bounds.push_back({"host/" + host, limit->second});
    if (!pool) continue;
    if (auto limit = perPool.find(*pool); limit != perPool.end())
      bounds.push_back({"host/" + host + "/pool/" + *pool, limit->second});
  }
  return bounds;
}

}  // namespace vdc
