// Content hashes: sha256 (OpenSSL) over bytes, streams and canonical JSON.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace vdc {

std::string sha256Hex(std::string_view bytes);
// Keys are sorted by nlohmann::json itself, so equal values hash equally.
std::string canonicalHash(const nlohmann::json& value);

// sha256 of data that arrives in pieces (an image streamed to a host).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  void update(std::string_view bytes);
  std::string hex();  // ends the hash

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace vdc
