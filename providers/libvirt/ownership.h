// How vdc marks and names what it creates on a libvirt host.
//
// Names: every object of VDC "shop" lives under "shop.": instances are
// domains "shop.web-0", load balancers "shop.lb.front", networks
// "shop.backend", volumes "shop.vol.data", images "shop.img.debian-12",
// instance root disks "shop.root.web-0", their cloud-init seeds
// "shop.seed.web-0", the VDC's own record network "shop._vdc" and the lock
// of its writers "shop._lock". Resource names are DNS labels, so these never collide.
//
// Records: domains and networks carry <vdc:owner> in their <metadata>;
// storage volumes cannot (libvirt drops pool and volume metadata), so theirs
// live in the VDC's record network (see registry.h).
#pragma once

#include <optional>
#include <string>

#include "engine/live.h"
#include "providers/libvirt/api/xml.h"

namespace vdc::libvirt {

std::string domainName(const std::string& vdc, const ResourceId& id);
std::string networkName(const std::string& vdc, const std::string& network);
std::string volumeName(const std::string& vdc, const ResourceId& id);  // Volume or Image
std::string rootDiskName(const std::string& vdc, const std::string& instance);
std::string seedName(const std::string& vdc, const std::string& instance);  // its cloud-init seed
std::string registryName(const std::string& vdc);
std::string lockName(const std::string& vdc);
// The Linux bridge of a libvirt network, named by vdc instead of libvirt's
// next free virbrN: stable per VDC and network, so two networks started at
// once never reach for the same name, and an interface someone else left
// under it is found before anything is made. 15 characters, Linux's limit.
std::string networkBridgeName(const std::string& vdc, const std::string& network);

// The resource a physical name of `vdc` stands for, if it is one.
std::optional<ResourceId> domainResource(const std::string& vdc, const std::string& physical);
std::optional<ResourceId> networkResource(const std::string& vdc, const std::string& physical);
std::optional<ResourceId> volumeResource(const std::string& vdc, const std::string& physical);
// The instance whose root disk `physical` is, if it is one.
std::optional<std::string> rootDiskInstance(const std::string& vdc, const std::string& physical);
// The instance whose cloud-init seed `physical` is, if it is one.
std::optional<std::string> seedInstance(const std::string& vdc, const std::string& physical);

// `holder`, this VDC's resource, keeps the name `physical` on the target,
// which vdc derives for `named`: renamed, it took the name with its object,
// and the name is no other resource's to take while any of it is left.
void reserveKeptName(LiveState& into, const std::string& vdc, const std::optional<ResourceId>& named,
                     const std::string& physical, const ResourceId& holder);

// The MAC address of NIC `index` of a domain (`name`: "web-0", "lb.front"):
// stable per VDC, domain and NIC, so a re-created domain keeps its MACs.
std::string macAddress(const std::string& vdc, const std::string& name, size_t index);
// The host side of a container's NIC, named by vdc: libvirt's nwfilter
// needs the name before the LXC driver would make one up. 13 characters,
// within Linux's 15.
std::string containerNicName(const std::string& vdc, const std::string& name, size_t index);

// <vdc:owner xmlns:vdc=... vdc= kind= name= hash=><vdc:spec>JSON</vdc:spec></vdc:owner>
std::string ownerElement(const Ownership& owner, bool declareNamespace = true);
// The same without a namespace: virDomainSetMetadata puts it in one.
std::string bareOwnerElement(const Ownership& owner);
std::optional<Ownership> readOwner(const XmlDocument& doc, xmlNodePtr element);
// The owner record in an object's <metadata>, if any.
std::optional<Ownership> ownerOf(const XmlDocument& doc, xmlNodePtr object);

}  // namespace vdc::libvirt
