#include "bundle/bundle.h"

#include <algorithm>

#include "base/error.h"
#include "engine/units.h"
#include "engine/kinds/kind_rules.h"

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

namespace {

// A descriptor's text field: a string of sane length.
std::string text(const Json& json, const char* field) {
  std::string value = json.at(field).get<std::string>();
  if (value.size() > 256) throw Error(std::string(field) + " is longer than 256 bytes");
  return value;
}

}  // namespace

Descriptor Descriptor::fromJson(const Json& json) {
  if (!json.is_object() || !json.contains("formatVersion") || !json["formatVersion"].is_number_integer())
    throw Error(std::string(kDescriptorMember) + " has no formatVersion: not a vdc bundle");
  Descriptor d;
  d.formatVersion = json["formatVersion"].get<int>();
  if (d.formatVersion != kFormatVersion)
    throw Error(std::string(kDescriptorMember) + " is of format version " + std::to_string(d.formatVersion) +
                "; this vdc reads version " + std::to_string(kFormatVersion));
  try {
    d.vdcVersion = text(json, "vdcVersion");
    d.vdc = text(json, "vdc");
    // It names the directory the bundle is unpacked into.
    if (!isDnsLabel(d.vdc)) throw Error("the VDC's name '" + d.vdc + "' is not a DNS label");
    d.sourceTarget = text(json, "sourceTarget");
    d.createdAt = text(json, "createdAt");
    const Json& resources = json.at("resources");
    if (!resources.is_array() || resources.size() > kMaxResources)
      throw Error("resources is not a list of at most " + std::to_string(kMaxResources));
    for (const auto& resource : resources) {
      d.resources.push_back(resource.get<std::string>());
      if (!isResourceId(d.resources.back())) throw Error("'" + d.resources.back() + "' is not a resource");
    }
    const Json& disks = json.at("disks");
    if (!disks.is_array() || disks.size() > kMaxDisks)
      throw Error("disks is not a list of at most " + std::to_string(kMaxDisks));
    for (const auto& disk : disks) {
      auto kind = parseKind(disk.at("kind").get<std::string>());
      if (!kind || !carriesDisk(*kind))
        throw Error("a disk of kind " + disk.at("kind").get<std::string>());
      if (!disk.at("size").is_number_unsigned()) throw Error("a disk's size is not a count of bytes");
      Disk parsed{{*kind, disk.at("name").get<std::string>()}, disk.at("format").get<std::string>(),
                  disk.at("size").get<uint64_t>()};
      if (!isDnsLabel(parsed.id.name) || disk.value("member", "") != parsed.member())
        throw Error("disk " + parsed.id.str() + " is not where a bundle keeps it");
      if (parsed.format != "raw" && parsed.format != "qcow2")
        throw Error("disk " + parsed.id.str() + " is of format '" + parsed.format + "' (raw or qcow2)");
      if (parsed.size > kMaxDiskBytes) throw Error("disk " + parsed.id.str() + " is larger than a bundle may carry");
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
  if (member == kDescriptorMember || member == kDigestsMember) return true;
  std::vector<std::string_view> parts;
  for (size_t start = 0; start <= member.size();) {
    size_t end = std::min(member.find('/', start), member.size());
    std::string_view part(member.data() + start, end - start);
    if (part.empty() || part.front() == '.') return false;  // "", ".", "..", ".git", ".vdc"
    for (unsigned char c : part)
      if (c < 0x20 || c == 0x7f || c == '\\') return false;
    parts.push_back(part);
    start = end + 1;
  }
  if (parts.front() == "manifests")
    return parts.size() >= 2 && (parts.back().ends_with(".yaml") || parts.back().ends_with(".yml"));
  return parts.front() == "disks" && parts.size() == 3;
}

std::map<std::string, std::string> parseDigestList(std::string_view text) {
  static constexpr std::string_view kOpen = "SHA256 (", kClose = ") = ";
  static constexpr size_t kDigest = 64, kLongestLine = 8 + 1024 + 4 + 64;
  std::map<std::string, std::string> digests;
  size_t number = 0;
  for (size_t start = 0; start < text.size();) {
    size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++number;
    auto malformed = [&](const std::string& why) {
      return Error(std::string(kDigestsMember) + " line " + std::to_string(number) + " is malformed: " + why);
    };
    if (line.size() > kLongestLine) throw malformed("longer than " + std::to_string(kLongestLine) + " bytes");
    if (!line.starts_with(kOpen) || line.size() < kOpen.size() + kClose.size() + kDigest)
      throw malformed("'" + std::string(line) + "' is not \"SHA256 (member) = digest\"");
    std::string_view digest = line.substr(line.size() - kDigest);
    std::string_view close = line.substr(line.size() - kDigest - kClose.size(), kClose.size());
    if (close != kClose || digest.find_first_not_of("0123456789abcdef") != std::string_view::npos)
      throw malformed("'" + std::string(line) + "' is not \"SHA256 (member) = digest\"");
    std::string member(line.substr(kOpen.size(), line.size() - kOpen.size() - kClose.size() - kDigest));
    if (!digests.emplace(member, digest).second) throw Error(std::string(kDigestsMember) + " lists " + member + " twice");
  }
  return digests;
}

}  // namespace vdc::bundle
