#include "providers/libvirt/ownership.h"

#include "engine/units.h"

#include "engine/hash.h"

namespace vdc::libvirt {

std::string domainName(const std::string& vdc, const ResourceId& id) {
  return id.kind == Kind::LoadBalancer ? vdc + ".lb." + id.name : vdc + "." + id.name;
}

std::string networkName(const std::string& vdc, const std::string& network) { return vdc + "." + network; }

std::string volumeName(const std::string& vdc, const ResourceId& id) {
  return vdc + (id.kind == Kind::Image ? ".img." : ".vol.") + id.name;
}

std::string rootDiskName(const std::string& vdc, const std::string& instance) {
  return vdc + ".root." + instance;
}

std::string seedName(const std::string& vdc, const std::string& instance) { return vdc + ".seed." + instance; }

std::string macAddress(const std::string& vdc, const std::string& name, size_t index) {
  std::string h = sha256Hex(vdc + "/" + name + "/" + std::to_string(index));
  return "52:54:00:" + h.substr(0, 2) + ":" + h.substr(2, 2) + ":" + h.substr(4, 2);
}

std::string containerNicName(const std::string& vdc, const std::string& name, size_t index) {
  return "vdc" + sha256Hex(vdc + "/" + name + "/" + std::to_string(index)).substr(0, 10);
}

std::string registryName(const std::string& vdc) { return vdc + "._vdc"; }

std::string lockName(const std::string& vdc) { return vdc + "._lock"; }

std::string networkBridgeName(const std::string& vdc, const std::string& network) {
  return "vdcbr" + sha256Hex(vdc + "/" + network).substr(0, 10);
}

static std::optional<std::string> after(const std::string& prefix, const std::string& physical) {
  if (!physical.starts_with(prefix)) return std::nullopt;
  std::string rest = physical.substr(prefix.size());
  if (rest.empty() || rest.find('.') != std::string::npos) return std::nullopt;
  return rest;
}

std::optional<ResourceId> domainResource(const std::string& vdc, const std::string& physical) {
  if (auto name = after(vdc + ".lb.", physical)) return ResourceId{Kind::LoadBalancer, *name};
  if (auto name = after(vdc + ".", physical)) return ResourceId{Kind::Instance, *name};
  return std::nullopt;
}

std::optional<ResourceId> networkResource(const std::string& vdc, const std::string& physical) {
  if (physical == registryName(vdc)) return ResourceId{Kind::VirtualDataCenter, vdc};
  if (physical == lockName(vdc)) return std::nullopt;  // a writer's lock (host_lock.h), no resource
  if (auto name = after(vdc + ".", physical)) return ResourceId{Kind::Network, *name};
  return std::nullopt;
}

std::optional<ResourceId> volumeResource(const std::string& vdc, const std::string& physical) {
  if (auto name = after(vdc + ".vol.", physical)) return ResourceId{Kind::Volume, *name};
  if (auto name = after(vdc + ".img.", physical)) return ResourceId{Kind::Image, *name};
  return std::nullopt;
}

std::optional<std::string> rootDiskInstance(const std::string& vdc, const std::string& physical) {
  return after(vdc + ".root.", physical);
}

void reserveKeptName(LiveState& into, const std::string& vdc, const std::optional<ResourceId>& named,
                     const std::string& physical, const ResourceId& holder) {
  if (named && *named != holder) into.addForeign({*named, physical, vdc, holder});
}

std::optional<std::string> seedInstance(const std::string& vdc, const std::string& physical) {
  return after(vdc + ".seed.", physical);
}

static std::string ownerXml(const Ownership& owner, const std::string& prefix, const std::string& declaration) {
  std::string out = "<" + prefix + "owner" + declaration;
  out += " vdc=\"" + xmlEscape(owner.vdc) + "\" kind=\"" + std::string(kindName(owner.id.kind)) + "\" name=\"" +
         xmlEscape(owner.id.name) + "\" hash=\"" + owner.specHash + "\">";
  out += "<" + prefix + "spec>" + xmlEscape(owner.spec.dump()) + "</" + prefix + "spec></" + prefix + "owner>";
  return out;
}

std::string ownerElement(const Ownership& owner, bool declareNamespace) {
  return ownerXml(owner, "vdc:",
                  declareNamespace ? std::string(" xmlns:vdc=\"") + kOwnershipNamespace + "\"" : std::string());
}

std::string bareOwnerElement(const Ownership& owner) { return ownerXml(owner, "", ""); }

std::optional<Ownership> readOwner(const XmlDocument& doc, xmlNodePtr element) {
  auto vdc = XmlDocument::attribute(element, "vdc");
  auto kind = parseKind(XmlDocument::attribute(element, "kind").value_or(""));
  auto name = XmlDocument::attribute(element, "name");
  // A record is read from the target, where anyone may have edited it:
  // names that are no names make it no record at all.
  if (!vdc || !kind || !name || !isDnsLabel(*vdc) || !isDnsLabel(*name)) return std::nullopt;
  Ownership owner{*vdc, {*kind, *name}, XmlDocument::attribute(element, "hash").value_or("")};
  owner.spec = Json::parse(doc.text("vdc:spec", element).value_or("null"), nullptr, false);
  // A spec that cannot be read is still the VDC's object, in a state no
  // manifest has: it shows as changed, and is replaced or deleted.
  if (!owner.spec.is_object()) {
    owner.spec = Json::object();
    owner.specHash.clear();
  }
  return owner;
}

std::optional<Ownership> ownerOf(const XmlDocument& doc, xmlNodePtr object) {
  auto found = doc.nodes("metadata/vdc:owner", object);
  if (found.empty()) return std::nullopt;
  return readOwner(doc, found.front());
}

}  // namespace vdc::libvirt
