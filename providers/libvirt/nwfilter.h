// Security groups enforced with libvirt's nwfilter, for switches made of
// Linux bridges (libvirt networks). Each SecurityGroup is a filter
// "shop.sg.web" of the addresses and ports it admits (its members are always
// admitted); each NIC in a security group has a filter "shop.nic.web-0.0" that
// lets ARP and DHCP through, includes the filters of the NIC's groups, and
// drops other incoming traffic, and outgoing traffic too when one of its
// groups lists egress rules. Replies to allowed traffic pass (connection
// tracking). libvirt applies a changed group filter to every NIC that
// includes it at once. A NIC in no group has no filter.
#pragma once

#include <string>
#include <vector>

#include <libvirt/libvirt.h>

#include "engine/live.h"
#include "providers/libvirt/registry.h"

namespace vdc::libvirt {

std::string groupFilterName(const std::string& vdc, const std::string& group);
std::string nicFilterName(const std::string& vdc, const std::string& instance, size_t nic);

std::string groupFilterXml(const std::string& vdc, const std::string& group, const Json& spec);
std::string nicFilterXml(const std::string& name, const std::string& vdc, const std::vector<std::string>& groups,
                         bool restrictEgress);

// True when one of `groups` lists egress rules (their records say).
bool restrictsEgress(RecordStore& records, const std::string& vdc, const std::vector<std::string>& groups);

// What a host holds under a filter's name, against what vdc would write:
// the same rules (whatever their order of attributes), other rules, or
// nothing. How a security group's drift is seen.
enum class FilterState { AsWritten, Differs, Missing };
FilterState filterState(virConnectPtr conn, const std::string& name, const std::string& expectedXml);

// Defines a filter, or redefines it under its UUID when it exists.
void defineFilter(virConnectPtr conn, const std::string& name, const std::string& xml);
// Undefines a filter; one that is not there is fine.
void undefineFilter(virConnectPtr conn, const std::string& name);

// Rewrites every NIC filter of `vdc` that includes `group`: whether their
// egress is restricted depends on all their groups' rules.
void refreshNicFilters(virConnectPtr conn, RecordStore& records, const std::string& vdc,
                       const std::string& group);

}  // namespace vdc::libvirt
