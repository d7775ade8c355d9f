#include "gitops/credentials.h"

#include <git2.h>
#include <openssl/evp.h>

#include <cctype>
#include <cstdlib>

#include "base/text.h"

namespace vdc::gitops {

namespace {

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

}  // namespace

Credentials Credentials::fromEnvironment() {
  return {environment("VDC_GIT_USERNAME"), environment("VDC_GIT_PASSWORD"), environment("VDC_GIT_SSH_KEY"),
          environment("VDC_GIT_SSH_PASSPHRASE"), environment("VDC_GIT_SSH_FINGERPRINT")};
}

namespace {

std::string percentDecoded(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace

void Credentials::takeFromUrl(std::string& url) {
  std::string info = userInfo(url);
  if (info.empty()) return;
  size_t colon = info.find(':');
  if (username.empty()) username = percentDecoded(info.substr(0, colon));
  if (colon != std::string::npos && password.empty()) password = percentDecoded(info.substr(colon + 1));
  url = withoutUserInfo(url);
}

std::string sshFingerprint(const unsigned char (&sha256)[32]) {
  unsigned char text[48];
  int length = EVP_EncodeBlock(text, sha256, 32);
  std::string encoded(reinterpret_cast<const char*>(text), static_cast<size_t>(length));
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  return "SHA256:" + encoded;
}

int SignIn::refuse(std::string why) {
  refusal_ = std::move(why);
  git_error_set_str(GIT_ERROR_NET, refusal_.c_str());
  return GIT_EUSER;
}

int SignIn::acquire(git_credential** out, const char* /*url*/, const char* usernameFromUrl, unsigned int allowed,
                    void* payload) {
  auto& self = *static_cast<SignIn*>(payload);
  const Credentials& c = self.credentials_;
  // The URL's user (taken out of it: Credentials::takeFromUrl), or git's usual one.
  std::string user = usernameFromUrl && *usernameFromUrl ? usernameFromUrl : !c.username.empty() ? c.username : "git";
  auto offer = [&](unsigned int kind) {
    if (self.offered_ & kind) return false;
    self.offered_ |= kind;
    return true;
  };
  if (allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) {
    if (c.username.empty() || c.password.empty())
      return self.refuse("the remote asks to sign in: set VDC_GIT_USERNAME and VDC_GIT_PASSWORD (docs/gitops.md)");
    if (!offer(GIT_CREDENTIAL_USERPASS_PLAINTEXT))
      return self.refuse("the remote refused VDC_GIT_USERNAME " + c.username + " and its VDC_GIT_PASSWORD");
    return git_credential_userpass_plaintext_new(out, c.username.c_str(), c.password.c_str());
  }
  if (allowed & GIT_CREDENTIAL_SSH_KEY) {
    if (!offer(GIT_CREDENTIAL_SSH_KEY))
      return self.refuse("the remote refused " +
                         (c.sshKey.empty() ? std::string("the ssh agent's keys") : "the key " + c.sshKey) + " for " +
                         user);
    if (c.sshKey.empty()) return git_credential_ssh_key_from_agent(out, user.c_str());
    return git_credential_ssh_key_new(out, user.c_str(), nullptr, c.sshKey.c_str(),
                                      c.sshPassphrase.empty() ? nullptr : c.sshPassphrase.c_str());
  }
  if (allowed & GIT_CREDENTIAL_USERNAME) {
    if (!offer(GIT_CREDENTIAL_USERNAME)) return self.refuse("the remote refused the user name " + user);
    return git_credential_username_new(out, user.c_str());
  }
  return self.refuse("the remote asks for a way of signing in vdc does not offer");
}

int SignIn::checkCertificate(git_cert* cert, int /*valid*/, const char* host, void* payload) {
  auto& self = *static_cast<SignIn*>(payload);
  const std::string& pinned = self.credentials_.sshFingerprint;
  // TLS certificates, and ssh hosts without a pin, are libgit2's to check
  // (the system's CAs; ~/.ssh/known_hosts).
  if (cert->cert_type != GIT_CERT_HOSTKEY_LIBSSH2 || pinned.empty()) return GIT_PASSTHROUGH;
  const auto* key = reinterpret_cast<const git_cert_hostkey*>(cert);
  if (!(key->type & GIT_CERT_SSH_SHA256))
    return self.refuse(std::string("the ssh server ") + host + " gave no SHA256 fingerprint to check");
  std::string actual = sshFingerprint(key->hash_sha256);
  if (actual != pinned)
    return self.refuse(std::string("the ssh server ") + host + " has host key " + actual +
                       ", not the one VDC_GIT_SSH_FINGERPRINT pins (" + pinned + ")");
  return 0;
}

}  // namespace vdc::gitops
