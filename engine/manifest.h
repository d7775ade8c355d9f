// One YAML document as read from disk, before references are resolved.
#pragma once

#include <optional>
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
  Json annotations = Json::object();
  Location where;
  std::vector<Mention> mentions;
};

// One file's text cut into its YAML documents, which read independently of
// each other (the loader reads all documents of all files in parallel).
struct ManifestText {
  struct Document {
    size_t offset, length;  // in `text` below
    int firstLine;          // 0-based line of the document in its file
  };
  std::string displayPath;
  std::string text;
  std::vector<Document> documents;
};

// Reads a file and cuts it into documents; nullopt, with the reason in
// `diags`, when it cannot be read or is not UTF-8.
std::optional<ManifestText> readManifestFile(const std::string& path, const std::string& displayPath,
                                             Diagnostics& diags);
std::optional<ManifestText> cutManifestText(std::string text, const std::string& displayPath, Diagnostics& diags);

// Reads one document of `file`. Problems go to `diags`; a document that
// cannot be understood is left out. False when it is not YAML at all: the
// rest of its file cannot be trusted and is not read.
bool readManifestDocument(const ManifestText& file, size_t document, std::vector<Manifest>& out, Diagnostics& diags);

// Every document of one text in turn (tests, the fuzzer, git trees).
bool readManifestText(const std::string& text, const std::string& displayPath,
                      std::vector<Manifest>& out, Diagnostics& diags);

}  // namespace vdc
