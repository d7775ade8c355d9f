#include "engine/kinds/key_pair.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "engine/kinds/fields.h"
#include "engine/kinds/kind_rules.h"
#include "base/text.h"

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
constexpr std::string_view kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// The "=" that end a base64 text.
size_t paddingOf(std::string_view text) { return text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0; }

// Whether `text` is base64 as OpenSSH writes it, one spelling per key: its
// alphabet only, padding only at the end, and no bits set past the data
// (a decoder would read "=" anywhere, skip blanks and drop such bits, so
// that many lines would be one key).
bool isCanonicalBase64(std::string_view text) {
  if (text.empty() || text.size() > kMostKeyChars || text.size() % 4 != 0) return false;
  size_t padding = paddingOf(text);
  std::string_view data = text.substr(0, text.size() - padding);
  if (data.find_first_not_of(kBase64) != std::string_view::npos) return false;
  // The last character's bits past the data: 4 of them before "==", 2 before "=".
  size_t last = kBase64.find(data.back());
  return padding == 0 || (last & (padding == 2 ? 0xF : 0x3)) == 0;
}

// The key's bytes: the base64 after the type, decoded; "" when there is none.
std::string keyBlob(const std::string& line) {
  size_t typeEnd = line.find(' ');
  if (typeEnd == std::string::npos) return "";
  size_t blobEnd = line.find(' ', typeEnd + 1);
  std::string blob = line.substr(typeEnd + 1, blobEnd == std::string::npos ? std::string::npos : blobEnd - typeEnd - 1);
  if (!isCanonicalBase64(blob)) return "";
  std::string decoded(blob.size() / 4 * 3, '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(decoded.data()),
                               reinterpret_cast<const unsigned char*>(blob.data()), static_cast<int>(blob.size()));
  if (length < 0) return "";
  // EVP_DecodeBlock counts the padding's bytes as data.
  decoded.resize(static_cast<size_t>(length) - std::min(paddingOf(blob), static_cast<size_t>(length)));
  return decoded;
}

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
  std::string decoded = keyBlob(line);
  if (decoded.empty()) return "has no key in base64 after its type";
  // The blob begins with its type: a 4-byte big-endian length, then the name.
  std::string named = std::string(4, '\0') + std::string(type);
  named[3] = static_cast<char>(type.size());
  if (decoded.size() < named.size() || decoded.compare(0, named.size(), named) != 0)
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

std::string keyFingerprint(const std::string& line) {
  std::string blob = keyBlob(line);
  if (blob.empty()) return "";
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(blob.data(), blob.size(), digest, &size, EVP_sha256(), nullptr) != 1) return "";
  std::string encoded(4 * ((size + 2) / 3) + 1, '\0');
  int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), digest, static_cast<int>(size));
  encoded.resize(static_cast<size_t>(length));
  while (encoded.ends_with('=')) encoded.pop_back();
  return "SHA256:" + encoded;
}

bool isKeyFingerprint(const std::string& text) {
  // sha256 is 32 bytes: 43 characters of unpadded base64.
  constexpr std::string_view prefix = "SHA256:";
  return text.starts_with(prefix) && text.size() == prefix.size() + 43 &&
         text.find_first_not_of(kBase64, prefix.size()) == std::string::npos;
}

extern const KindRules kKeyPairRules{
    .fields = [] { return std::vector<Field>{required(field("publicKey", FieldType::String))}; },
    .check = checkKeyPair,
    .facts = {.placed = false, .carriesDisk = false, .renamable = false, .adoptable = false, .restarts = "",
              .dataLost = nothingLost},
};

}  // namespace vdc
