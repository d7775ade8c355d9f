// KeyPair: an OpenSSH public key that instances name, put in their seeds.
#include "engine/kinds/fields.h"
#include "engine/kinds/kind_rules.h"

namespace vdc {

using namespace fields;

namespace {

void checkKeyPair(const Manifest& m, Checks& checks) {
  std::string key = m.spec.value("publicKey", "");
  bool known = key.starts_with("ssh-") || key.starts_with("ecdsa-") || key.starts_with("sk-");
  if (!known || key.find(' ') == std::string::npos)
    checks.problem(m.where, "publicKey of KeyPair '" + m.id.name +
                                "' is not an OpenSSH public key line (\"ssh-ed25519 AAAA... comment\")");
}

}  // namespace

extern const KindRules kKeyPairRules{
    [] { return std::vector<Field>{required(field("publicKey", FieldType::String))}; },
    nullptr,
    checkKeyPair,
};

}  // namespace vdc
