// Helpers shared by the tests: reading and writing files, a temporary
// directory that cleans up after itself, loading a VDC from inline YAML, and
// the message of an Error a call throws.
#pragma once

#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>

#include "engine/live.h"
#include "engine/loader.h"
#include "base/scratch_directory.h"

namespace vdc::testing {

// The whole of a file, byte for byte ("" when it cannot be read).
inline std::string readFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Writes `text` to `path`, making its directory first.
inline void writeFile(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// What `call` throws as an Error, or "" when it throws nothing.
inline std::string errorOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class TempDir : public ScratchDirectory {
 public:
  TempDir() : ScratchDirectory("test") {}
  std::string str() const { return path().string(); }

  void write(const std::string& relative, const std::string& text) const { writeFile(path() / relative, text); }
};

inline constexpr const char* kVdcHeader =
    "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata:\n  name: test\n---\n";

// Loads `yaml` (with a VirtualDataCenter document in front) as one file.
inline Vdc loadYaml(const std::string& yaml, Diagnostics& diags, bool withHeader = true) {
  TempDir dir;
  dir.write("vdc.yaml", (withHeader ? kVdcHeader : "") + yaml);
  Vdc vdc = loadVdc(dir.str(), diags);
  return vdc;
}

// The live state of a target that holds `vdc` as applied, as its providers
// would read it back: each resource as "test.NAME", its record its spec.
inline LiveState liveOf(const Vdc& vdc) {
  LiveState live;
  for (const auto& r : vdc.resources) live.add({r.id, "test." + r.id.name, r.specHash, r.spec, Json::object()});
  return live;
}

// The target's record of `id` in `live` says `field` was `was`, under
// another spec hash: as if the manifest changed since it was applied.
inline void recordedAs(LiveState& live, const ResourceId& id, const std::string& field, const Json& was) {
  LiveObject object = *live.find(id);
  object.recorded[field] = was;
  object.specHash = "old";
  live.add(object);
}

}  // namespace vdc::testing
