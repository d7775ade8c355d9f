// The libvirt datacenters as a Target opens them, behind the engine's
// Datacenter interface: nothing of libvirt's reaches the caller.
#pragma once

#include <string>

#include "engine/provider.h"
#include "providers/libvirt/host_settings.h"

namespace vdc::libvirt {

// A datacenter reached through one libvirt connection.
DatacenterPtr openLibvirtDatacenter(HostSettings settings);
// The embedded datacenter kept in `file` (made empty when missing).
DatacenterPtr openEmbeddedDatacenter(const std::string& file);

}  // namespace vdc::libvirt
