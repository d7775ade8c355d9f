// Who may call the server: bearer tokens from a file (docs/serve.md), each
// stored as the SHA-256 of the token, never the token itself, with a role per
// VDC or for all ("*"). A viewer reads; an operator also syncs, suspends,
// resumes, plans and applies.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace vdc::serve {

enum class Role { None, Viewer, Operator };
const char* roleName(Role role);

struct Principal {
  std::string name;                    // the token's name, for the audit log; never the token
  std::map<std::string, Role> roles;   // VDC name or "*" -> role
  Role roleFor(const std::string& vdc) const;
};

class Tokens {
 public:
  // Reads FILE; throws Error listing every problem at its FILE:LINE:COL.
  static Tokens read(const std::string& file);
  // Everyone is an operator of everything: a server without tokens, which
  // listens on loopback only (serve/config.h).
  static Tokens open();

  // Who `bearer` (the token as sent) is; none when no stored hash matches.
  // Every stored hash is compared, in constant time each.
  std::optional<Principal> authenticate(const std::string& bearer) const;
  bool required() const { return required_; }

 private:
  struct Entry {
    std::string sha256;
    Principal principal;
  };
  std::vector<Entry> entries_;
  bool required_ = true;
};

// A fresh random token (32 bytes, hex) and its file entry's hash.
struct NewToken {
  std::string token, sha256;
};
NewToken makeToken();

}  // namespace vdc::serve
