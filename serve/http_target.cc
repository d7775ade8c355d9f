#include "serve/http_target.h"

#include "base/text.h"

namespace vdc::serve {

namespace {

int hexValue(char digit) {
  if (digit >= '0' && digit <= '9') return digit - '0';
  if (digit >= 'a' && digit <= 'f') return digit - 'a' + 10;
  if (digit >= 'A' && digit <= 'F') return digit - 'A' + 10;
  return -1;
}

std::optional<std::string> decoded(std::string_view text, bool query) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+' && query) {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = hexValue(text[i + 1]), low = hexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += c;
    }
  }
  for (size_t at = 0; at < out.size();) {
    size_t length = utf8SequenceAt(out, at);
    unsigned char c = out[at];
    if (length == 0 || c < 0x20 || c == 0x7F) return std::nullopt;
    at += length;
  }
  return out;
}

}  // namespace

std::optional<Target> decodeTarget(std::string_view target) {
  size_t question = target.find('?');
  auto path = decoded(target.substr(0, question), false);
  if (!path || !path->starts_with("/")) return std::nullopt;
  Target decodedTarget{*path, {}};
  if (question == std::string_view::npos) return decodedTarget;
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    std::string_view pair = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), pair.size() + 1));
    auto equals = pair.find('=');
    auto name = decoded(pair.substr(0, equals), true);
    auto value = decoded(equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1), true);
    if (!name || !value) return std::nullopt;
    decodedTarget.params.emplace(*name, *value);
  }
  return decodedTarget;
}

}  // namespace vdc::serve
