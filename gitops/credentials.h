// How vdc watch signs in to the repository it follows, and which SSH host
// it trusts. Read from the environment, never from the command line, which
// any user of the machine can read:
//
//   VDC_GIT_USERNAME, VDC_GIT_PASSWORD  http(s): basic authentication (a
//                                       password, or an access token)
//   VDC_GIT_SSH_KEY                     ssh: a private key file (with
//   VDC_GIT_SSH_PASSPHRASE              its passphrase, if any); without
//                                       one, the ssh agent (SSH_AUTH_SOCK)
//   VDC_GIT_SSH_FINGERPRINT             ssh: the server's host key, as
//                                       `ssh-keygen -lf` prints it
//                                       (SHA256:...); without it, the
//                                       server must be in ~/.ssh/known_hosts
#pragma once

#include <string>

struct git_credential;
struct git_cert;

namespace vdc::gitops {

struct Credentials {
  std::string username, password;
  std::string sshKey, sshPassphrase;
  std::string sshFingerprint;

  static Credentials fromEnvironment();
  // A user name and password (or token) written into `url`'s user-info
  // are taken out of it, into these credentials where they are not set
  // already: the URL is then shown and stored without them.
  void takeFromUrl(std::string& url);
};

// One connection's use of the credentials, as libgit2's callbacks: each
// kind is offered once, so a remote that refuses them ends the fetch with
// `refusal` saying why, instead of asking again forever.
class SignIn {
 public:
  explicit SignIn(const Credentials& credentials) : credentials_(credentials) {}

  // git_credential_acquire_cb and git_transport_certificate_check_cb, with
  // a SignIn as their payload.
  static int acquire(git_credential** out, const char* url, const char* usernameFromUrl, unsigned int allowed,
                     void* payload);
  static int checkCertificate(git_cert* cert, int valid, const char* host, void* payload);

  // Why the last connection was refused ("" when it was not vdc's doing).
  const std::string& refusal() const { return refusal_; }

 private:
  int refuse(std::string why);

  const Credentials& credentials_;
  unsigned int offered_ = 0;  // the credential kinds already offered
  std::string refusal_;
};

// "SHA256:" and the unpadded base64 of a host key's sha256, as OpenSSH
// prints fingerprints.
std::string sshFingerprint(const unsigned char (&sha256)[32]);

}  // namespace vdc::gitops
