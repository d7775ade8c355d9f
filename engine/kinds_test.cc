// The home of each kind (engine/kinds/): every field that names a resource
// is one of the kind's references (a dependency edge), and the typed views
// providers read default to what the kind's fields declare.
#include <gtest/gtest.h>

#include <algorithm>

#include "engine/kinds/image.h"
#include "engine/kinds/instance.h"
#include "engine/kinds/key_pair.h"
#include "engine/kinds/kind_rules.h"
#include "engine/kinds/network.h"
#include "engine/kinds/volume.h"
#include "engine/resolve.h"
#include "engine/schema.h"
#include "engine/test_support.h"

namespace vdc {
namespace {

// A spec in which `field` (or, inside a list of objects, `outer[0].field`) names "x".
Json naming(const Field& field, const Field* outer) {
  Json value = field.type == FieldType::RefList ? Json::array({"x"}) : Json("x");
  if (!outer) return {{field.name, value}};
  Json item = {{field.name, value}};
  return {{outer->name, outer->type == FieldType::ObjectList ? Json::array({item}) : item}};
}

TEST(Kinds, EveryFieldThatNamesAResourceIsAReference) {
  size_t checked = 0;
  for (Kind kind : kAllKinds) {
    auto check = [&](const Field& field, const Field* outer) {
      if (field.type != FieldType::Ref && field.type != FieldType::RefList) return;
      auto refs = specReferences(kind, naming(field, outer));
      EXPECT_NE(std::find(refs.begin(), refs.end(), ResourceId{field.ref, "x"}), refs.end())
          << kindName(kind) << "." << (outer ? outer->name + "." : "") << field.name;
      ++checked;
    };
    for (const auto& field : specFields(kind)) {
      check(field, nullptr);
      for (const auto& inner : field.fields) check(inner, &field);
    }
  }
  EXPECT_EQ(checked, 7u);  // Volume.image; Instance.image, .interfaces network and groups, .volumes, .keyPairs; LB.network
}

std::string defaultOf(Kind kind, const std::string& name) {
  const Field* field = findField(specFields(kind), name);
  return field ? field->defaultValue.get<std::string>() : "";
}

TEST(Kinds, TypedViewsDefaultToTheKindsFields) {
  Json empty = Json::object();
  EXPECT_EQ(VolumeSpec(empty).storageClass(), defaultOf(Kind::Volume, "storageClass"));
  EXPECT_EQ(ImageSpec(empty).format(), defaultOf(Kind::Image, "format"));
  EXPECT_EQ(InstanceSpec(empty).hypervisor(), defaultOf(Kind::Instance, "hypervisor"));
  EXPECT_EQ(InstanceSpec(empty).memory(), parseSize(defaultOf(Kind::Instance, "memory")));
  EXPECT_EQ(InstanceSpec(empty).cpus(), findField(specFields(Kind::Instance), "cpus")->defaultValue.get<long>());
  EXPECT_EQ(InstanceSpec(empty).replicas(), findField(specFields(Kind::Instance), "replicas")->defaultValue.get<long>());
  EXPECT_TRUE(InstanceSpec(empty).running());
  EXPECT_EQ(defaultOf(Kind::Instance, "state"), kDefaultState);
  EXPECT_EQ(defaultOf(Kind::LoadBalancer, "state"), kDefaultState);
  EXPECT_FALSE(NetworkSpec(empty).nat());
  EXPECT_EQ(NetworkSpec(empty).dhcp(), findField(specFields(Kind::Network), "dhcp")->defaultValue.get<bool>());
  EXPECT_EQ(NetworkSpec(empty).mtu(), findField(specFields(Kind::Network), "mtu")->defaultValue.get<long>());
  EXPECT_EQ(defaultOf(Kind::Network, "mode"), kDefaultNetworkMode);
  // And they read what a spec says.
  EXPECT_EQ(VolumeSpec(Json{{"storageClass", "fast"}}).storageClass(), "fast");
  EXPECT_TRUE(InstanceSpec(Json{{"hypervisor", "lxc"}}).container());
  EXPECT_FALSE(InstanceSpec(Json{{"state", "stopped"}}).running());
  EXPECT_TRUE(NetworkSpec(Json{{"mode", "nat"}}).nat());
}

// Every kind says every fact the rest of vdc asks of it: a kind added
// without one fails here, not in a plan.
TEST(Kinds, EveryKindSaysEveryFact) {
  for (Kind kind : kAllKinds) {
    const KindFacts& facts = rulesOf(kind).facts;
    EXPECT_TRUE(facts.placed.has_value()) << kindName(kind) << ": placed";
    EXPECT_TRUE(facts.carriesDisk.has_value()) << kindName(kind) << ": carriesDisk";
    EXPECT_TRUE(facts.renamable.has_value()) << kindName(kind) << ": renamable";
    EXPECT_TRUE(facts.adoptable.has_value()) << kindName(kind) << ": adoptable";
    EXPECT_TRUE(facts.restarts.has_value()) << kindName(kind) << ": restarts";
    EXPECT_NE(facts.dataLost, nullptr) << kindName(kind) << ": dataLost";
  }
}

// A plan says what a restarting change restarts: a kind with such a field
// (or a planned field the guest reads at boot) names it, no other does.
TEST(Kinds, WhatRestartsIsNamedExactlyForKindsThatRestart) {
  for (Kind kind : kAllKinds) {
    bool restarts = !rulesOf(kind).plannedForBoot.empty();
    for (const auto& field : specFields(kind)) restarts = restarts || field.restarts;
    EXPECT_EQ(!restartsWhat(kind).empty(), restarts) << kindName(kind);
  }
  EXPECT_EQ(restartsWhat(Kind::LoadBalancer), "the appliance");
}

// What a delete loses: a volume's data always, an instance's root disk when it has one.
TEST(Kinds, WhatADeleteLosesIsTheKindsToSay) {
  EXPECT_EQ(dataLostBy(Kind::Volume, Json::object()), "the volume's data is lost");
  EXPECT_EQ(dataLostBy(Kind::Instance, {{"image", "debian"}, {"state", "running"}}), "its root disk's data is lost");
  EXPECT_EQ(dataLostBy(Kind::Instance, {{"image", nullptr}, {"state", "running"}}), "");
  EXPECT_EQ(dataLostBy(Kind::Instance, {{"image", nullptr}, {"state", "absent"}}), "its root disk's data is lost");
  EXPECT_EQ(dataLostBy(Kind::Network, Json::object()), "");
}

TEST(Kinds, EveryKindHasFields) {
  for (Kind kind : kAllKinds) EXPECT_FALSE(rulesOf(kind).fields().empty()) << kindName(kind);
}

// A KeyPair goes into an instance's authorized_keys as it is written: one
// key, on one line, with no options (command=, from=, ...) before it.
TEST(Kinds, AKeyPairIsExactlyOneOpenSshPublicKey) {
  const std::string ed25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIHbQ1dD3uOd5nY4Xk2q0cH7Gm0a1yXrLwz8H2n0qk9fT";
  auto problems = [](const std::string& key) {
    Diagnostics diags;
    Json quoted = key;
    testing::loadYaml("apiVersion: vdc/v1\nkind: KeyPair\nmetadata: {name: k}\nspec: {publicKey: " + quoted.dump() + "}\n",
                      diags);
    return diags.str();
  };
  EXPECT_EQ(problems("ssh-ed25519 " + ed25519 + " ops@laptop"), "");
  EXPECT_EQ(problems("ssh-ed25519 " + ed25519), "") << "the comment may be left out";
  const std::vector<std::pair<std::string, std::string>> refused = {
      {"command=\"/bin/sh\" ssh-ed25519 " + ed25519 + " x", "does not begin with a key type"},
      {"no-pty,from=\"10.0.0.1\" ssh-ed25519 " + ed25519, "does not begin with a key type"},
      {"ssh-ed25519 " + ed25519 + " a\nssh-ed25519 " + ed25519 + " b", "holds more than one line"},
      {"ssh-ed25519 " + ed25519 + "\r\ncommand=\"x\" ssh-rsa AAAA", "holds more than one line"},
      {"ssh-ed25519 " + ed25519 + " c\u0085\u0085    command=\"id\" ssh-ed25519 " + ed25519 + " x", "holds more than one line"},
      {"ssh-ed25519 " + ed25519 + " c\u2028ssh-rsa AAAA", "holds more than one line"},
      {"ssh-ed25519", "has no key after its type"},
      {"ssh-ed25519 AAAA ops", "has a key that is not a ssh-ed25519 key"},
      {"ssh-ed25519 not*base64 ops", "has no key in base64"},
      {"ssh-ed25519 not*base64== ops", "has no key in base64"},
      {"ssh-ed25519 " + ed25519.substr(0, 20) + "=" + ed25519.substr(21) + " ops", "has no key in base64"},
      {"ssh-rsa " + ed25519 + " ops", "has a key that is not a ssh-rsa key"},  // an ed25519 key said to be RSA
      {"ssh-ed25519 " + std::string(20000, 'A'), "has no key in base64"},
      {"ssh-foo " + ed25519, "does not begin with a key type"},
      {"", "does not begin with a key type"},
  };
  for (const auto& [key, expected] : refused) {
    std::string found = problems(key);
    EXPECT_NE(found.find("publicKey of KeyPair 'k' " + expected), std::string::npos) << key << "\n" << found;
  }
}

// The fingerprints ssh-keygen -l printed for these keys (made for the test).
TEST(Kinds, AKeysFingerprintIsOpenSshsAndLeavesOutTheComment) {
  const std::string ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC+nE6TUDs3SZ+tGmDpLB2pT3YbkSc9hophqTn1c72wp";
  EXPECT_EQ(keyFingerprint(ed25519 + " ops@laptop"), "SHA256:px55jh9QoPzcoCh2P4Qel0FqHo21nQ/w8vINeHEOGws");
  EXPECT_EQ(keyFingerprint(ed25519), keyFingerprint(ed25519 + " another comment"));
  // Its base64 ends in padding, which is no part of the key.
  const std::string ecdsa =
      "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBBZhnj8pGGg7UTo3hRCU8O+rEXZ8iOMVLYZhj0TcyK/"
      "6EEOvUcj4PUlpkWKCYh9k9Htm53EUOgthe286L5galZ8= e@x";
  EXPECT_EQ(keyFingerprint(ecdsa), "SHA256:pMmO/eI5foE4QPP92ZU1rL7ASGsbzWG3w5ZGqPMKnl4");
  EXPECT_TRUE(isKeyFingerprint(keyFingerprint(ecdsa)));
  EXPECT_EQ(keyFingerprint("ssh-ed25519 not*base64"), "");
  // One spelling per key: bits past the data, which a decoder drops, make no second line of the same key.
  std::string spelled = ecdsa.substr(0, ecdsa.find("8= e@x")) + "9= e@x";
  EXPECT_EQ(keyFingerprint(spelled), "") << spelled;
  EXPECT_EQ(keyFingerprint("ssh-ed25519"), "");
  for (const char* text : {"", "SHA256:", "MD5:px55jh9QoPzcoCh2P4Qel0FqHo21nQ/w8vINeHEOGws",
                           "SHA256:px55jh9QoPzcoCh2P4Qel0FqHo21nQ/w8vINeHEOGw", "SHA256:px55jh9QoPzcoCh2P4Qel0FqHo21nQ/w8vINeHEOG\n"})
    EXPECT_FALSE(isKeyFingerprint(text)) << text;
}

}  // namespace
}  // namespace vdc
