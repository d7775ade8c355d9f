#include "bundle/bundle.h"

#include "engine/error.h"
#include "engine/units.h"

namespace vdc::bundle {

std::string Disk::member() const { return std::string(kDisksDir) + std::string(kindName(id.kind)) + "/" + id.name; }

Json Descriptor::toJson() const {
  Json disks = Json::array();
  for (const auto& disk : this->disks)
    disks.push_back({{"kind", kindName(disk.id.kind)}, {"name", disk.id.name}, {"format", disk.format},
                     {"size", disk.size}, {"member", disk.member()}});
  return {{"formatVersion", formatVersion}, {"vdcVersion", vdcVersion}, {"vdc", vdc},
          {"sourceTarget", sourceTarget},   {"createdAt", createdAt},   {"resources", resources},
          {"disks", disks}};
}

Descriptor Descriptor::fromJson(const Json& json) {
  if (!json.is_object() || !json.contains("formatVersion") || !json["formatVersion"].is_number_integer())
    throw Error(std::string(kDescriptorMember) + " has no formatVersion: not a vdc bundle");
  Descriptor d;
  d.formatVersion = json["formatVersion"].get<int>();
  if (d.formatVersion != kFormatVersion)
    throw Error(std::string(kDescriptorMember) + " is of format version " + std::to_string(d.formatVersion) +
                "; this vdc reads version " + std::to_string(kFormatVersion));
  try {
    d.vdcVersion = json.at("vdcVersion").get<std::string>();
    d.vdc = json.at("vdc").get<std::string>();
    d.sourceTarget = json.at("sourceTarget").get<std::string>();
    d.createdAt = json.at("createdAt").get<std::string>();
    d.resources = json.at("resources").get<std::vector<std::string>>();
    for (const auto& disk : json.at("disks")) {
      auto kind = parseKind(disk.at("kind").get<std::string>());
      if (!kind || (*kind != Kind::Image && *kind != Kind::Volume && *kind != Kind::Instance))
        throw Error("a disk of kind " + disk.at("kind").get<std::string>());
      Disk parsed{{*kind, disk.at("name").get<std::string>()}, disk.at("format").get<std::string>(),
                  disk.at("size").get<uint64_t>()};
      if (!isDnsLabel(parsed.id.name) || disk.value("member", "") != parsed.member())
        throw Error("disk " + parsed.id.str() + " is not where a bundle keeps it");
      d.disks.push_back(parsed);
    }
  } catch (const Json::exception& e) {
    throw Error(std::string(kDescriptorMember) + " is malformed: " + e.what());
  } catch (const Error& e) {
    throw Error(std::string(kDescriptorMember) + " is malformed: " + e.message());
  }
  return d;
}

bool safeMemberPath(const std::string& member) {
  if (member.empty() || member.size() > 1024 || member.front() == '/' || member.back() == '/') return false;
  if (member.find('\\') != std::string::npos || member.find('\0') != std::string::npos) return false;
  size_t start = 0;
  while (start <= member.size()) {
    size_t end = member.find('/', start);
    if (end == std::string::npos) end = member.size();
    std::string part = member.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return member == kDescriptorMember || member == kDigestsMember || member.starts_with(kManifestsDir) ||
         member.starts_with(kDisksDir);
}

}  // namespace vdc::bundle
