// Objects on a libvirt host that no VDC owns, described as the resources
// they would be (engine/live.h Unowned): what `vdc export --from-live`
// writes and what a resource may adopt (docs/adoption.md).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/live.h"
#include "providers/libvirt/inventory.h"

namespace vdc::libvirt {

// A domain as an Instance. Its disks given by file path (volumes[i]) are
// named once every volume of the host has been seen: see nameDiskPaths.
struct UnownedDomain {
  Unowned unowned;
  std::vector<std::pair<size_t, std::string>> diskPaths;
};
UnownedDomain describeDomain(const HostObject& domain, bool hypervisorVisible);
// `volumeAt`: the volume a path is, as "" when none.
void nameDiskPaths(UnownedDomain& domain, const std::function<std::string(const std::string&)>& volumeAt);

// A libvirt network as a Network; none for a VDC's record network.
std::optional<Unowned> describeNetwork(const HostObject& network, const Json& observed);

// A storage volume as a Volume; none for one vdc made (any VDC's names:
// the VDC of its name offers it, providers/libvirt/storage.cc).
// `storageClass`: the class whose pool holds it (a pool the Target does not
// name is the class of its own name).
std::optional<Unowned> describeVolume(const HostObject& volume, const std::string& storageClass);
// A volume of `capacity` bytes as a Volume to adopt: not one that is a
// copy-on-write child of `backing` ("" for none).
Unowned unownedVolume(const std::string& name, uint64_t capacity, const std::string& storageClass,
                      const std::string& backing);

}  // namespace vdc::libvirt
