// KeyPair: an OpenSSH public key that instances name, put in their seeds.
#include <openssl/evp.h>

#include <array>
#include <string_view>

#include "engine/kinds/fields.h"
#include "engine/kinds/kind_rules.h"
#include "engine/text.h"

namespace vdc {

using namespace fields;

namespace {

// The key types OpenSSH's authorized_keys takes as a plain key.
constexpr std::array<std::string_view, 8> kKeyTypes{
    "ssh-ed25519",         "ssh-rsa",
    "ssh-dss",             "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com"};
// The largest key OpenSSH makes (RSA 16384) is under 3 KB of base64.
constexpr size_t kMostKeyChars = 16 * 1024;

// Why `line` is not exactly one OpenSSH public key ("TYPE BASE64 [COMMENT]"
// on one line, no options before it); "" when it is. The key itself says
// its type first, so a blob of another type or none is refused.
std::string keyLineProblem(const std::string& line) {
  // Nor anything another reader of the seed takes for a line break (U+0085, U+2028) or that hides text.
  if (line.find_first_of("\r\n") != std::string::npos || printableMessage(line) != line)
    return "holds more than one line, or characters that hide text: one key, on one line";
  size_t typeEnd = line.find(' ');
  std::string_view type = std::string_view(line).substr(0, typeEnd);
  if (std::find(kKeyTypes.begin(), kKeyTypes.end(), type) == kKeyTypes.end())
    return "does not begin with a key type (ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256, ...): options before the "
           "key are not taken";
  if (typeEnd == std::string::npos) return "has no key after its type";
  size_t blobEnd = line.find(' ', typeEnd + 1);
  std::string blob = line.substr(typeEnd + 1, blobEnd == std::string::npos ? std::string::npos : blobEnd - typeEnd - 1);
  if (blob.empty() || blob.size() > kMostKeyChars || blob.size() % 4 != 0)
    return "has no key in base64 after its type";
  std::string decoded(blob.size() / 4 * 3, '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                               reinterpret_cast<const unsigned char*>(blob.data()), static_cast<int>(blob.size()));
  // The blob begins with its type: a 4-byte big-endian length, then the name.
  std::string named = std::string(4, '\0') + std::string(type);
  named[3] = static_cast<char>(type.size());
  if (length < static_cast<int>(named.size()) || decoded.compare(0, named.size(), named) != 0)
    return "has a key that is not a " + std::string(type) + " key in base64";
  return "";
}

void checkKeyPair(const Manifest& m, Checks& checks) {
  std::string problem = keyLineProblem(m.spec.value("publicKey", ""));
  if (!problem.empty())
    checks.problem(m.where, "publicKey of KeyPair '" + m.id.name + "' " + problem +
                                " (\"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5... comment\", as in a .pub file)");
}

}  // namespace

extern const KindRules kKeyPairRules{
    [] { return std::vector<Field>{required(field("publicKey", FieldType::String))}; },
    nullptr,
    checkKeyPair,
};

}  // namespace vdc
