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
#include <string>
#include <vector>

#include "engine/model.h"

namespace vdc::bundle {

inline constexpr int kFormatVersion = 1;
inline constexpr const char* kDescriptorMember = "vdc-bundle.json";
inline constexpr const char* kDigestsMember = "SHA256SUMS";
inline constexpr const char* kManifestsDir = "manifests/";
inline constexpr const char* kDisksDir = "disks/";

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

// Whether `member` is a path a bundle may hold: relative, without "." or
// ".." components, empty components or backslashes, under one of the
// bundle's places.
bool safeMemberPath(const std::string& member);

}  // namespace vdc::bundle
