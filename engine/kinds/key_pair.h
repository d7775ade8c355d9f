// KeyPair: an OpenSSH public key that instances name. The key reaches a
// guest through its seed, read at boot: planning writes the fingerprints of
// an Instance's keys into its spec, so a changed key restarts the instances
// that carry it, with a new seed.
#pragma once

#include <string>

namespace vdc {

// The field planning adds to an Instance's spec: key pair name -> fingerprint.
inline constexpr const char* kKeyFingerprintsField = "keyFingerprints";

// OpenSSH's fingerprint of a public key line ("SHA256:" and the unpadded
// base64 of the key's sha256, as ssh-keygen -l prints it); "" when the line
// holds no key in base64. The comment is no part of it.
std::string keyFingerprint(const std::string& line);

// Whether `text` is a fingerprint as keyFingerprint makes it.
bool isKeyFingerprint(const std::string& text);

}  // namespace vdc
