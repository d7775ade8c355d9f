#include "engine/hash.h"

#include <openssl/evp.h>

#include "base/error.h"
#include "base/release.h"

namespace vdc {

namespace {

std::string hexOf(const unsigned char* digest, unsigned int length) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

}  // namespace

std::string sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw Error("sha256 failed");
  return hexOf(digest, length);
}

std::string canonicalHash(const nlohmann::json& value) { return sha256Hex(value.dump()); }

struct Sha256::Context {
  std::unique_ptr<EVP_MD_CTX, Release<EVP_MD_CTX_free>> md{EVP_MD_CTX_new()};
};

Sha256::Sha256() : context_(std::make_unique<Context>()) {
  if (!context_->md || EVP_DigestInit_ex(context_->md.get(), EVP_sha256(), nullptr) != 1) throw Error("sha256 failed");
}

Sha256::~Sha256() = default;

void Sha256::update(std::string_view bytes) {
  if (EVP_DigestUpdate(context_->md.get(), bytes.data(), bytes.size()) != 1) throw Error("sha256 failed");
}

std::string Sha256::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_->md.get(), digest, &length) != 1) throw Error("sha256 failed");
  return hexOf(digest, length);
}

}  // namespace vdc
