// A bundle carries a whole VDC between datacenters (`vdc export`, `vdc
// import`): one tar archive (POSIX pax) holding
//
//   vdc-bundle.json      the descriptor: format version, vdc version, the
//                        VDC's name, the source target's name, when it was
//                        made, its resources and its disks
//   manifests/...        the VDC directory's manifests, as written
//   disks/KIND/NAME      the contents of each Image and Volume, and each
//                        Instance's root disk, as the source target held them
//   SHA256SUMS           last: "SHA256 (member) = digest" for every other
//                        member, in the style of an OVF manifest
//
// A bundle names no path or host of the source target: what differs between
// datacenters is in the Target alone. It is untrusted input: bundle/reader.h
// checks all of it before anything is written.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model.h"

namespace vdc::bundle {

inline constexpr int kFormatVersion = 1;
inline constexpr const char* kDescriptorMember = "vdc-bundle.json";
inline constexpr const char* kDigestsMember = "SHA256SUMS";
inline constexpr const char* kManifestsDir = "manifests/";
inline constexpr const char* kDisksDir = "disks/";

// What a bundle may make vdc read, whatever it declares (docs/robustness.md).
inline constexpr uint64_t kMaxDiskBytes = 16ull << 40;      // all its disks together, on any target
inline constexpr uint64_t kSmallMemberBytes = 16ull << 20;  // the descriptor, the digest list, one manifest
inline constexpr uint64_t kSmallMembersBytes = 64ull << 20; // all of those together
inline constexpr size_t kMaxMembers = 100'000;
inline constexpr size_t kMaxDisks = 100'000;
inline constexpr size_t kMaxResources = 1'000'000;

struct Disk {
  ResourceId id;        // an Image, a Volume, or an Instance (its root disk)
  std::string format;   // raw or qcow2, as the volume is
  uint64_t size = 0;    // bytes in the bundle
  std::string member() const;  // "disks/Image/debian", "disks/Instance/web-0"
};

struct Descriptor {
  int formatVersion = kFormatVersion;
  std::string vdcVersion;    // of the vdc that wrote it
  std::string vdc;           // the VDC's name
  std::string sourceTarget;  // the Target's name, for people: never used to find anything
  std::string createdAt;     // UTC, ISO 8601
  std::vector<std::string> resources;  // "Kind/name", in the VDC's order
  std::vector<Disk> disks;

  Json toJson() const;
  // Throws Error for a descriptor this version cannot read (naming what is wrong).
  static Descriptor fromJson(const Json& json);
};

// Whether `member` is a path a bundle may hold: the descriptor, the digest
// list, a manifest (manifests/**.yaml or .yml) or a disk (disks/KIND/NAME);
// relative, without empty, "." or ".." components, backslashes, control
// bytes, or a component that starts with a dot (.git, .vdc).
bool safeMemberPath(const std::string& member);

// The digest list, "SHA256 (member) = digest" a line, read in one linear
// pass: a line that is malformed or longer than a member path and its
// digest can be, or a member listed twice, is an Error naming it.
std::map<std::string, std::string> parseDigestList(std::string_view text);

}  // namespace vdc::bundle
