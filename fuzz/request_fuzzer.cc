// libFuzzer target: any bytes as a request's target and body, as vdc serve
// routes them. The target decodes to UTF-8 without control bytes or is
// refused, never a crash; a decoded path matched by a VDC's route names a
// VDC by a DNS label; a body is JSON or refused.
#include <cstddef>
#include <cstdint>
#include <regex>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/text.h"
#include "engine/units.h"
#include "serve/http_target.h"

namespace {

bool printableText(const std::string& text) {
  for (size_t at = 0; at < text.size();) {
    size_t length = vdc::utf8SequenceAt(text, at);
    unsigned char c = text[at];
    if (length == 0 || c < 0x20 || c == 0x7F) return false;
    at += length;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view target = input.substr(0, input.find('\n'));
  std::string_view body = target.size() < input.size() ? input.substr(target.size() + 1) : std::string_view();
  auto decoded = vdc::serve::decodeTarget(target);
  if (decoded) {
    if (!decoded->path.starts_with("/") || !printableText(decoded->path)) __builtin_trap();
    for (const auto& [name, value] : decoded->params)
      if (!printableText(name) || !printableText(value)) __builtin_trap();
    // The routes' own pattern of a VDC (serve/server.cc).
    static const std::regex kVdc(R"(/api/v1/vdcs/([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(/.*)?)");
    std::smatch found;
    if (std::regex_match(decoded->path, found, kVdc) && !vdc::isDnsLabel(found[1].str())) __builtin_trap();
  }
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_object() && parsed.contains("revision") && parsed["revision"].is_string())
    parsed["revision"].get<std::string>();
  return 0;
}
