#include "serve/tokens.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <set>

#include "base/config_file.h"
#include "base/error.h"
#include "engine/hash.h"
#include "engine/units.h"

namespace vdc::serve {

namespace {

constexpr uint64_t kMaxTokensBytes = 1 << 20;
constexpr size_t kMostTokens = 10'000;

bool isSha256Hex(const std::string& text) {
  return text.size() == 64 && text.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

const char* roleName(Role role) {
  switch (role) {
    case Role::Viewer: return "viewer";
    case Role::Operator: return "operator";
    case Role::None: break;
  }
  return "none";
}

Role Principal::roleFor(const std::string& vdc) const {
  Role best = Role::None;
  for (const auto& key : {vdc, std::string("*")})
    if (auto it = roles.find(key); it != roles.end() && it->second > best) best = it->second;
  return best;
}

Tokens Tokens::read(const std::string& file) {
  Diagnostics diags;
  YAML::Node doc = loadConfigFile(file, kMaxTokensBytes, "tokens file", diags);
  Tokens tokens;
  if (!doc.IsMap() || textOf(file, doc["kind"], "kind", diags) != "ServeTokens") {
    diags.add(at(file, doc), "not a ServeTokens document (kind: ServeTokens)");
    diags.throwIfAny();
  }
  rejectUnknownKeys(file, doc, {"apiVersion", "kind", "tokens"}, "ServeTokens", diags);
  if (textOf(file, doc["apiVersion"], "apiVersion", diags) != "vdc/v1") diags.add(at(file, doc), "apiVersion must be vdc/v1");
  YAML::Node list = doc["tokens"];
  if (!list || !list.IsSequence() || list.size() > kMostTokens) {
    diags.add(at(file, list ? list : doc), "tokens must be a list of at most " + std::to_string(kMostTokens) + " tokens");
    diags.throwIfAny();
  }
  std::set<std::string> names, hashes;
  for (const auto& node : list) {
    if (!mappingOf(file, node, "a token", diags)) continue;
    rejectUnknownKeys(file, node, {"name", "sha256", "roles"}, "a token", diags);
    Entry entry;
    entry.principal.name = textOf(file, node["name"], "a token's name", diags);
    if (!isDnsLabel(entry.principal.name)) diags.add(at(file, node), "a token needs a name that is a DNS label");
    else if (!names.insert(entry.principal.name).second)
      diags.add(at(file, node), "two tokens are named '" + entry.principal.name + "'");
    entry.sha256 = textOf(file, node["sha256"], "a token's sha256", diags);
    // The value itself is never shown: it is a secret's hash.
    if (!isSha256Hex(entry.sha256)) diags.add(at(file, node["sha256"] ? node["sha256"] : node),
                                              "a token's sha256 must be 64 lowercase hex digits (vdc serve --new-token)");
    else if (!hashes.insert(entry.sha256).second) diags.add(at(file, node["sha256"]), "two tokens have the same sha256");
    YAML::Node roles = node["roles"];
    if (!roles || !mappingOf(file, roles, "a token's roles", diags)) {
      if (!roles) diags.add(at(file, node), "a token needs roles, e.g. {\"*\": viewer}");
      continue;
    }
    for (auto it = roles.begin(); it != roles.end(); ++it) {
      std::string vdc = textOf(file, it->first, "a role's VDC", diags);
      std::string role = textOf(file, it->second, "a role", diags);
      if (vdc != "*" && !isDnsLabel(vdc)) diags.add(at(file, it->first), "a role is given for '*' or a VDC's name");
      if (role == "viewer") entry.principal.roles[vdc] = Role::Viewer;
      else if (role == "operator") entry.principal.roles[vdc] = Role::Operator;
      else diags.add(at(file, it->second), "a role is viewer or operator, not '" + role + "'");
    }
    tokens.entries_.push_back(std::move(entry));
  }
  diags.throwIfAny();
  return tokens;
}

Tokens Tokens::open() {
  Tokens tokens;
  tokens.required_ = false;
  return tokens;
}

std::optional<Principal> Tokens::authenticate(const std::string& bearer) const {
  if (!required_) return Principal{"anonymous", {{"*", Role::Operator}}};
  if (bearer.empty() || bearer.size() > 4096) return std::nullopt;
  std::string hash = sha256Hex(bearer);
  const Entry* found = nullptr;
  for (const auto& entry : entries_)
    if (CRYPTO_memcmp(entry.sha256.data(), hash.data(), hash.size()) == 0) found = &entry;
  if (!found) return std::nullopt;
  return found->principal;
}

NewToken makeToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw Error("cannot make a random token");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token;
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  return {token, sha256Hex(token)};
}

}  // namespace vdc::serve
