#include "providers/libvirt/switch.h"

#include "engine/kinds/network.h"
#include "engine/units.h"
#include "providers/libvirt/nwfilter.h"
#include "providers/libvirt/ownership.h"
#include "providers/libvirt/unowned.h"

namespace vdc::libvirt {

std::string LibvirtSwitch::networkXml(const Ownership& owner, const std::string& uuid) {
  const Json& spec = owner.spec;
  auto cidr = Cidr::parse(spec.at("cidr").get<std::string>());
  if (!cidr) throw Error("invalid cidr in " + owner.id.str());
  std::string gateway = spec.value("gateway", cidr->firstHost().str());
  std::string xml = "<network><name>" + xmlEscape(records_.nameOf(owner.vdc, owner.id)) + "</name>";
  if (!uuid.empty()) xml += "<uuid>" + uuid + "</uuid>";
  xml += "<metadata>" + ownerElement(owner) + "</metadata>";
  xml += "<bridge name='" + networkBridgeName(owner.vdc, owner.id.name) + "' stp='on' delay='0'/>";
  if (NetworkSpec(spec).nat()) xml += "<forward mode='nat'/>";
  xml += "<mtu size='" + std::to_string(NetworkSpec(spec).mtu()) + "'/>";
  xml += "<ip address='" + gateway + "' prefix='" + std::to_string(cidr->prefix) + "'>";
  if (NetworkSpec(spec).dhcp()) {
    // Hand out the upper half of the subnet; fixed addresses go in the lower half.
    uint32_t first = cidr->firstHost().value, last = cidr->lastHost().value;
    uint32_t start = first + (last - first) / 2 + 1;
    if (start > last) start = last;
    xml += "<dhcp><range start='" + Ipv4{start}.str() + "' end='" + Ipv4{last}.str() + "'/></dhcp>";
  }
  return xml + "</ip></network>";
}

Json LibvirtSwitch::observe(const XmlDocument& doc, xmlNodePtr network) {
  Json observed = Json::object();
  auto address = doc.text("ip/@address", network);
  auto prefix = doc.text("ip/@prefix", network);
  if (!prefix)
    if (auto netmask = doc.text("ip/@netmask", network))
      if (auto mask = Ipv4::parse(*netmask)) prefix = std::to_string(__builtin_popcount(mask->value));
  if (address && prefix) {
    auto ip = Ipv4::parse(*address);
    int bits = std::atoi(prefix->c_str());
    if (ip && bits >= 0 && bits <= 32) {
      Cidr cidr{*ip, bits};
      cidr.base.value &= cidr.mask();
      observed["cidr"] = cidr.str();
      observed["gateway"] = *address;
    }
  }
  observed["mode"] = doc.text("forward/@mode", network).value_or("") == "nat" ? "nat" : "isolated";
  observed["dhcp"] = !doc.nodes("ip/dhcp", network).empty();
  observed["mtu"] = std::atol(doc.text("mtu/@size", network).value_or("1500").c_str());
  return observed;
}

void LibvirtSwitch::visit(const std::string& vdc, const HostObject& object, LiveState& into) {
  if (object.type != HostObject::Type::Network) return;
  auto owner = ownerOf(object.doc, object.node);
  if (owner && owner->vdc != vdc && owner->id.kind == Kind::Network)
    into.addNeighbour({owner->vdc, owner->id.name, observe(object.doc, object.node).value("cidr", "")});
  if (!owner)
    if (auto unowned = describeNetwork(object, observe(object.doc, object.node))) into.addUnowned(std::move(*unowned));
  auto id = networkResource(vdc, object.name);
  if (!id && owner && owner->vdc == vdc && owner->id.kind == Kind::Network) {
    // An adopted network keeps its own name, which the VDC's record lists:
    // read once the scan has seen that record (finishRead). A record alone,
    // copied onto any network, proves nothing.
    claimed_.push_back({owner->id, object.name, owner->specHash, owner->spec, observeOwn(object)});
    return;
  }
  if (!id || id->kind != Kind::Network) return;
  if (!owner || owner->vdc != vdc || owner->id != *id) {
    into.addForeign({*id, object.name, owner ? owner->vdc : ""});
    return;
  }
  into.add({*id, object.name, owner->specHash, owner->spec, observeOwn(object)});
}

// A network of the VDC as its spec shows it, and whether it runs as it
// should: stopped (by hand, or a start that failed half-way), or running
// without its bridge, it is drift that redefining and starting repairs.
Json LibvirtSwitch::observeOwn(const HostObject& object) {
  Json observed = observe(object.doc, object.node);
  if (!object.running) {
    observed["hostState"] = "inactive";
  } else if (!host_.settings().testDriver) {
    std::string bridge = object.doc.text("bridge/@name", object.node).value_or("");
    InterfaceHandle there(bridge.empty() ? nullptr : virInterfaceLookupByName(host_.connection(), bridge.c_str()));
    if (!bridge.empty() && !there && lastErrorIsNotFound()) observed["hostState"] = "bridge " + bridge + " missing";
  }
  return observed;
}

// A group is its record, and on real hosts its filter: a filter that is gone
// or holds other rules than the record's shows as `hostFilter`, a field no
// spec has, so the plan updates the group and the filter is written again.
void LibvirtSwitch::finishRead(const std::string& vdc, LiveState& into) {
  for (auto& object : claimed_) {
    if (records_.adoptedAs(vdc, Kind::Network, object.physicalName) == object.id) into.add(std::move(object));
    else into.addForeign({object.id, object.physicalName, vdc});
  }
  claimed_.clear();
  for (const auto& [id, owner] : records_.records(vdc)) {
    if (id.kind != Kind::SecurityGroup) continue;
    Json observed = Json::object();
    if (!host_.settings().testDriver) {
      std::string name = groupFilterName(vdc, id.name);
      FilterState state = filterState(host_.connection(), name, groupFilterXml(vdc, id.name, owner.spec));
      if (state != FilterState::AsWritten) observed["hostFilter"] = state == FilterState::Missing ? "missing" : "differs";
    }
    into.add({id, "", owner.specHash, owner.spec, observed});
  }
}

// What holds the bridge name is either nothing, or this network running;
// anything else (an interface made by hand, a leftover of another tool)
// would make the network's start fail half-way through an apply.
void LibvirtSwitch::checkBridges(const Vdc& desired, Diagnostics& problems) {
  for (const auto& r : desired.resources) {
    if (r.id.kind != Kind::Network || !r.adopt.empty()) continue;
    std::string bridge = networkBridgeName(desired.name, r.id.name);
    InterfaceHandle taken(virInterfaceLookupByName(host_.connection(), bridge.c_str()));
    if (!taken) {
      if (lastErrorIsNotFound() || virGetLastErrorCode() == VIR_ERR_NO_SUPPORT) continue;
      throw libvirtError("cannot look up interface " + bridge);
    }
    std::string name = records_.nameOf(desired.name, r.id);
    NetworkHandle own(virNetworkLookupByName(host_.connection(), name.c_str()));
    if (own && virNetworkIsActive(own.get()) == 1) {
      CString used(virNetworkGetBridgeName(own.get()));
      if (used && bridge == used.get()) continue;
    }
    problems.add(r.where, r.id.str() + ": its bridge '" + bridge + "' is already an interface on " +
                              host_.settings().uri + " that is not this network's; vdc will not touch it "
                              "(remove the interface, or rename the network)");
  }
}

void LibvirtSwitch::read(const std::string& vdc, LiveState& into) { readHost(host_, records_, {this}, vdc, into); }

void LibvirtSwitch::define(const Ownership& owner, const std::string& uuid) {
  std::string name = records_.nameOf(owner.vdc, owner.id);
  // A running network keeps its old settings until restarted, and the test
  // driver ignores a new definition even then: take the old one down first
  // and define it afresh under the same UUID.
  if (!uuid.empty()) {
    NetworkHandle old(virNetworkLookupByName(host_.connection(), name.c_str()));
    if (old) {
      if (virNetworkIsActive(old.get()) == 1 && virNetworkDestroy(old.get()) < 0)
        throw libvirtError("cannot stop network " + name);
      if (virNetworkUndefine(old.get()) < 0) throw libvirtError("cannot redefine network " + name);
    }
  }
  std::string xml = networkXml(owner, uuid);
  NetworkHandle net(virNetworkDefineXML(host_.connection(), xml.c_str()));
  if (!net) throw libvirtError("cannot define network " + name);
  if (virNetworkIsActive(net.get()) != 1 && virNetworkCreate(net.get()) < 0)
    throw libvirtError("cannot start network " + name);
  if (virNetworkSetAutostart(net.get(), 1) < 0 && !host_.settings().testDriver)
    throw libvirtError("cannot set autostart on network " + name);
}

// Real hosts enforce the group; the embedded datacenter (no nwfilter) keeps its record.
void LibvirtSwitch::defineGroup(const Ownership& owner) {
  records_.put(owner);
  if (host_.settings().testDriver) return;
  defineFilter(host_.connection(), groupFilterName(owner.vdc, owner.id.name),
               groupFilterXml(owner.vdc, owner.id.name, owner.spec));
  refreshNicFilters(host_.connection(), records_, owner.vdc, owner.id.name);
}

void LibvirtSwitch::create(const Ownership& owner) {
  if (owner.id.kind == Kind::SecurityGroup) return defineGroup(owner);
  std::string name = networkName(owner.vdc, owner.id.name);
  NetworkHandle existing(virNetworkLookupByName(host_.connection(), name.c_str()));
  if (existing) throw Error("network '" + name + "' already exists and is not owned by this VDC");
  define(owner, "");
}

void LibvirtSwitch::update(const Ownership& owner, const LiveObject& live) {
  if (owner.id.kind == Kind::SecurityGroup) return defineGroup(owner);
  NetworkHandle net(virNetworkLookupByName(host_.connection(), live.physicalName.c_str()));
  if (!net) return define(owner, "");  // gone since it was read: make it again
  char uuid[VIR_UUID_STRING_BUFLEN];
  if (virNetworkGetUUIDString(net.get(), uuid) < 0) throw libvirtError("cannot read network uuid");
  define(owner, uuid);
}

void LibvirtSwitch::remove(const std::string& vdc, const LiveObject& live) {
  if (live.id.kind == Kind::SecurityGroup) {
    if (!host_.settings().testDriver) undefineFilter(host_.connection(), groupFilterName(vdc, live.id.name));
    return records_.erase(vdc, live.id);
  }
  auto net = lookupOrNull<NetworkHandle>(virNetworkLookupByName(host_.connection(), live.physicalName.c_str()),
                                        "network " + live.physicalName);
  if (!net) return;
  if (virNetworkIsActive(net.get()) == 1 && virNetworkDestroy(net.get()) < 0)
    throw libvirtError("cannot stop network " + live.physicalName);
  if (virNetworkUndefine(net.get()) < 0) throw libvirtError("cannot undefine network " + live.physicalName);
  records_.forgetName(vdc, live.id);
}

// libvirt 9.0 has no call to set a network's metadata: the record goes into
// its definition, which a running network takes on its next start, and
// libvirt shows (and vdc reads) at once.
void LibvirtSwitch::adopt(const Ownership& owner) {
  NetworkHandle net(virNetworkLookupByName(host_.connection(), owner.physical.c_str()));
  if (!net) throw libvirtError("cannot find network " + owner.physical);
  records_.keepName(owner.vdc, owner.id, owner.physical);
  std::string xml = networkDefinition(net.get());
  std::string record = ownerElement(owner);
  if (auto open = xml.find("<metadata>"); open != std::string::npos)
    xml.insert(open + std::string("<metadata>").size(), record);
  else if (auto empty = xml.find("<metadata/>"); empty != std::string::npos)
    xml.replace(empty, std::string("<metadata/>").size(), "<metadata>" + record + "</metadata>");
  else
    xml.insert(xml.rfind("</network>"), "<metadata>" + record + "</metadata>");
  redefineNetwork(net.get(), owner.physical, xml);
}

void LibvirtSwitch::forget(const std::string& vdc, const LiveObject& live) {
  if (live.id.kind != Kind::Network)
    throw Error(live.id.str() + ": vdc cannot adopt a SecurityGroup again, so it cannot forget one");
  NetworkHandle net(virNetworkLookupByName(host_.connection(), live.physicalName.c_str()));
  if (!net) throw libvirtError("cannot find network " + live.physicalName);
  XmlDocument doc(networkDefinition(net.get()), "network XML");
  doc.removeAll("metadata/vdc:owner");
  doc.removeAll("metadata[not(*)]");
  redefineNetwork(net.get(), live.physicalName, doc.str());
  records_.erase(vdc, live.id);
  records_.forgetName(vdc, live.id);
}

// The test driver shows only a running network's live definition: there
// (no guest is cut off) the network restarts with the new one.
void LibvirtSwitch::redefineNetwork(virNetworkPtr net, const std::string& name, const std::string& xml) {
  bool restart = host_.settings().testDriver && virNetworkIsActive(net) == 1;
  if (restart && virNetworkDestroy(net) < 0) throw libvirtError("cannot stop network " + name);
  NetworkHandle defined(virNetworkDefineXML(host_.connection(), xml.c_str()));
  if (!defined) throw libvirtError("cannot write the record of network " + name);
  if (restart && virNetworkCreate(defined.get()) < 0) throw libvirtError("cannot start network " + name);
}

}  // namespace vdc::libvirt
