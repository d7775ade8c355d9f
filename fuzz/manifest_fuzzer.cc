// libFuzzer target: any bytes as a manifest file, through reading, resolving
// and the cycle check. It must report errors, never crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/graph.h"
#include "engine/manifest.h"
#include "engine/resolve.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  vdc::Diagnostics diags;
  std::vector<vdc::Manifest> manifests;
  bool parsed = vdc::readManifestText(text, "fuzz.yaml", manifests, diags);
  // Smaller limits than vdc's, so what they allow fits the fuzzer's memory
  // (ASan and all): the checks that enforce them are the same.
  vdc::Vdc vdc = vdc::resolve(std::move(manifests), diags, parsed, {.instances = 5'000, .dependsOnEdges = 50'000});
  vdc::checkCycles(vdc, diags);
  for (const auto& error : diags.all())
    if (error.message().empty()) __builtin_trap();  // every error says something
  return 0;
}
