// Content hashes: sha256 (OpenSSL) over bytes and over canonical JSON.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace vdc {

std::string sha256Hex(std::string_view bytes);
// Keys are sorted by nlohmann::json itself, so equal values hash equally.
std::string canonicalHash(const nlohmann::json& value);

}  // namespace vdc
