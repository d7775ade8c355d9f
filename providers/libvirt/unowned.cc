#include "providers/libvirt/unowned.h"

#include "engine/units.h"

namespace vdc::libvirt {

namespace {

// "VDC.vol.NAME", "VDC.img.NAME", "VDC.root.NAME", "VDC.seed.NAME" (ownership.h):
// a volume of some VDC, whose record is in that VDC's record network.
bool namedByVdc(const std::string& volume) {
  auto dot = volume.find('.');
  if (dot == std::string::npos || !isDnsLabel(volume.substr(0, dot))) return false;
  std::string rest = volume.substr(dot + 1);
  for (const char* role : {"vol.", "img.", "root.", "seed."})
    if (rest.starts_with(role)) return true;
  return false;
}

}  // namespace

UnownedDomain describeDomain(const HostObject& domain, bool hypervisorVisible) {
  const XmlDocument& doc = domain.doc;
  UnownedDomain out;
  Unowned& u = out.unowned;
  u.kind = Kind::Instance;
  u.physicalName = domain.name;
  std::string type = doc.text("@type", domain.node).value_or("");
  auto why = [&](const std::string& reason) {
    if (u.unadoptable.empty()) u.unadoptable = reason;
  };
  if (type == "lxc") why("it is a container, whose file systems vdc makes from an Image only");
  else if (hypervisorVisible && type != "kvm" && type != "qemu") why("its hypervisor '" + type + "' is not one vdc runs");
  if (hypervisorVisible) u.observed["hypervisor"] = type;
  u.observed["cpus"] = std::atol(doc.text("vcpu", domain.node).value_or("1").c_str());
  auto memory = doc.nodes("memory", domain.node);
  u.observed["memory"] = formatSize(scaledBytes(memory.empty() ? nullptr : memory.front(), "KiB").value_or(0));
  u.observed["state"] = domain.running ? "running" : "stopped";

  Json nics = Json::array();
  for (xmlNodePtr nic : doc.nodes("devices/interface", domain.node)) {
    std::string nicType = XmlDocument::attribute(nic, "type").value_or("");
    auto network = doc.text("source/@network", nic);
    if (nicType != "network" || !network) {
      why("a NIC of type '" + nicType + "' is on no libvirt network");
      continue;
    }
    nics.push_back({{"network", *network}});
  }
  u.observed["interfaces"] = nics;

  Json volumes = Json::array();
  for (xmlNodePtr disk : doc.nodes("devices/disk", domain.node)) {
    std::string device = XmlDocument::attribute(disk, "device").value_or("disk");
    std::string target = doc.text("target/@dev", disk).value_or("");
    if (device != "disk") {
      if (!doc.nodes("source", disk).empty()) why("its " + device + " " + target + " holds media vdc does not model");
      continue;
    }
    std::string diskType = XmlDocument::attribute(disk, "type").value_or("");
    if (auto volume = doc.text("source/@volume", disk); diskType == "volume" && volume) {
      volumes.push_back({{"volume", *volume}, {"device", target}});
    } else if (auto file = doc.text("source/@file", disk); diskType == "file" && file) {
      out.diskPaths.push_back({volumes.size(), *file});
      volumes.push_back({{"volume", ""}, {"device", target}});
    } else {
      why("its disk " + target + " is not a file or a storage volume");
    }
  }
  u.observed["volumes"] = volumes;
  if (!doc.nodes("devices/filesystem", domain.node).empty()) why("it mounts host file systems, which vdc does not model");
  return out;
}

void nameDiskPaths(UnownedDomain& domain, const std::function<std::string(const std::string&)>& volumeAt) {
  Json& volumes = domain.unowned.observed["volumes"];
  for (const auto& [index, path] : domain.diskPaths) {
    std::string name = volumeAt(path);
    if (name.empty() && domain.unowned.unadoptable.empty())
      domain.unowned.unadoptable = "its disk " + path + " is in no storage pool";
    volumes[index]["volume"] = name.empty() ? path : name;
  }
  domain.diskPaths.clear();
}

std::optional<Unowned> describeNetwork(const HostObject& network, const Json& observed) {
  if (!network.doc.nodes("metadata/vdc:registry", network.node).empty()) return std::nullopt;
  if (!network.doc.nodes("metadata/vdc:lock", network.node).empty()) return std::nullopt;
  Unowned u;
  u.kind = Kind::Network;
  u.physicalName = network.name;
  u.observed = observed;
  std::string forward = network.doc.text("forward/@mode", network.node).value_or("");
  if (!forward.empty() && forward != "nat")
    u.unadoptable = "it forwards in mode '" + forward + "'; vdc networks are isolated or nat";
  else if (!observed.contains("cidr"))
    u.unadoptable = "it has no IPv4 address";
  return u;
}

Unowned unownedVolume(const std::string& name, uint64_t capacity, const std::string& storageClass,
                      const std::string& backing) {
  Unowned u;
  u.kind = Kind::Volume;
  u.physicalName = name;
  u.observed["size"] = formatSize(capacity);
  u.observed["storageClass"] = storageClass;
  if (!backing.empty()) u.unadoptable = "it is a copy-on-write child of " + backing;
  return u;
}

std::optional<Unowned> describeVolume(const HostObject& volume, const std::string& storageClass) {
  if (namedByVdc(volume.name)) return std::nullopt;
  auto capacity = volume.doc.nodes("capacity", volume.node);
  return unownedVolume(volume.name, scaledBytes(capacity.empty() ? nullptr : capacity.front(), "bytes").value_or(0),
                       storageClass, volume.doc.text("backingStore/path", volume.node).value_or(""));
}

}  // namespace vdc::libvirt
