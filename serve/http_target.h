// A request's target (PATH?QUERY) as the routes see it: %XX escapes
// decoded ('+' is a space in the query). Hostile clients send anything
// here; fuzz/request_fuzzer.cc holds the decoding to its word.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace vdc::serve {

struct Target {
  std::string path;
  std::multimap<std::string, std::string> params;
};

// None when an escape is broken, the path does not begin with '/', or a
// part decodes to what is not UTF-8 or holds a control byte.
std::optional<Target> decodeTarget(std::string_view target);

}  // namespace vdc::serve
