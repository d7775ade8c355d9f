// One YAML document as read from disk, before references are resolved.
#pragma once

#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "engine/model.h"
#include "engine/schema.h"

namespace vdc {

// A value in a spec whose place matters to later checks: a reference, an
// address. Kept with its location so errors can point at it.
struct Mention {
  std::string path;  // "spec.interfaces[0].network"
  FieldType type;
  Kind refKind;      // for Ref / RefList / Peer
  std::string value;
  Location where;
};

struct Manifest {
  ResourceId id;
  Json spec;
  Json labels = Json::object();
  Location where;
  std::vector<Mention> mentions;
};

// Reads every document of one file. Problems go to `diags`; documents that
// could not be understood at all are left out. False when the file could not
// be read or parsed as YAML at all.
bool readManifests(const std::string& path, const std::string& displayPath,
                   std::vector<Manifest>& out, Diagnostics& diags);

// The same, from text already in memory (tests, git trees).
bool readManifestText(const std::string& text, const std::string& displayPath,
                      std::vector<Manifest>& out, Diagnostics& diags);

}  // namespace vdc
