// Validation messages: every error with its file, line and column.
#include <gtest/gtest.h>

#include <regex>

#include "engine/kinds/instance.h"
#include "engine/test_support.h"

namespace vdc {

using testing::loadYaml;

static std::string errorsOf(const std::string& yaml, bool withHeader = true) {
  Diagnostics diags;
  loadYaml(yaml, diags, withHeader);
  return diags.str();
}

TEST(Manifest, ReportsBadYamlWithPosition) {
  std::string errors = errorsOf("apiVersion: vdc/v1\nkind: Network\nmetadata: {name: a\n");
  EXPECT_NE(errors.find("vdc.yaml:9:1: invalid YAML: end of map flow not found"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("no VirtualDataCenter"), std::string::npos) << errors;
  EXPECT_NE(errors.find("invalid YAML"), std::string::npos) << errors;
}

TEST(Manifest, UnknownFieldSuggestsTheRightOne) {
  std::string errors = errorsOf(
      "apiVersion: vdc/v1\nkind: Instance\nmetadata:\n  name: a\nspec:\n  cpu: 2\n  memroy: 1GiB\n");
  EXPECT_NE(errors.find("vdc.yaml:11:3: unknown field 'cpu' in spec (did you mean 'cpus'?)"), std::string::npos)
      << errors;
  EXPECT_NE(errors.find("vdc.yaml:12:3: unknown field 'memroy' in spec (did you mean 'memory'?)"), std::string::npos)
      << errors;
}

TEST(Manifest, UnknownKindSuggestsTheRightOne) {
  std::string errors = errorsOf("apiVersion: vdc/v1\nkind: Netwrok\nmetadata:\n  name: a\nspec: {}\n");
  EXPECT_NE(errors.find("vdc.yaml:7:7: unknown kind 'Netwrok' (did you mean 'Network'?)"), std::string::npos)
      << errors;
}

TEST(Manifest, RejectsBadNamesSizesAndCidrs) {
  std::string errors = errorsOf(
      "apiVersion: vdc/v1\nkind: Network\nmetadata:\n  name: Front_End\nspec:\n  cidr: 10.0.0.1/24\n---\n"
      "apiVersion: vdc/v1\nkind: Volume\nmetadata:\n  name: v\nspec:\n  size: 20GB\n");
  EXPECT_NE(errors.find("vdc.yaml:9:9: invalid name 'Front_End'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("vdc.yaml:11:9: invalid CIDR '10.0.0.1/24'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("vdc.yaml:18:9: invalid size '20GB'"), std::string::npos) << errors;
}

TEST(Manifest, ADurationIsKeptInSecondsAndABadOneIsPlaced) {
  std::string errors = errorsOf(
      "apiVersion: vdc/v1\nkind: Instance\nmetadata:\n  name: a\nspec:\n  shutdownTimeout: soon\n");
  EXPECT_NE(errors.find("vdc.yaml:11:20: invalid duration 'soon' for spec.shutdownTimeout"), std::string::npos)
      << errors;
  Diagnostics diags;
  Vdc vdc = loadYaml("apiVersion: vdc/v1\nkind: Instance\nmetadata:\n  name: a\nspec:\n  shutdownTimeout: 2m\n", diags);
  ASSERT_TRUE(diags.empty()) << diags.str();
  ASSERT_TRUE(vdc.find({Kind::Instance, "a"}));
  EXPECT_EQ(vdc.find({Kind::Instance, "a"})->spec["shutdownTimeout"], "120s");
  EXPECT_EQ(InstanceSpec(vdc.find({Kind::Instance, "a"})->spec).shutdownTimeout(), std::chrono::seconds(120));
}

TEST(Manifest, MissingRequiredFieldsAndWrongTypes) {
  std::string errors = errorsOf(
      "apiVersion: vdc/v1\nkind: Volume\nmetadata:\n  name: v\nspec:\n  storageClass: fast\n---\n"
      "apiVersion: vdc/v1\nkind: Instance\nmetadata:\n  name: i\nspec:\n  cpus: many\n  state: paused\n");
  EXPECT_NE(errors.find("missing required field 'size' in spec"), std::string::npos) << errors;
  EXPECT_NE(errors.find("spec.cpus must be an integer, not 'many'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("invalid value 'paused' for spec.state (one of: running, stopped)"), std::string::npos)
      << errors;
}

TEST(Manifest, WrongApiVersionAndTopLevelTypos) {
  std::string errors = errorsOf("apiVersion: vdc/v2\nkind: Network\nmetdata:\n  name: a\nspec: {cidr: 10.0.0.0/24}\n");
  EXPECT_NE(errors.find("unsupported apiVersion 'vdc/v2'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("unknown field 'metdata' (did you mean 'metadata'?)"), std::string::npos) << errors;
}

TEST(Manifest, ReportsEveryErrorOfEveryFileAtOnce) {
  testing::TempDir dir;
  dir.write("a.yaml", std::string(testing::kVdcHeader) +
                          "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: n}\nspec: {cidr: nope}\n");
  dir.write("sub/b.yml", "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: v}\nspec: {size: x}\n");
  dir.write(".hidden/c.yaml", "this: [is not read\n");
  dir.write("notes.txt", "not a manifest");
  Diagnostics diags;
  loadVdc(dir.str(), diags);
  ASSERT_EQ(diags.size(), 2u) << diags.str();
  EXPECT_NE(diags.all()[0].where().file.find("a.yaml"), std::string::npos);
  EXPECT_NE(diags.all()[1].where().file.find("b.yml"), std::string::npos);
}

// Documents are read in parallel and put back in order: what precedes a
// document that is not YAML counts, what follows it in its file does not,
// and other files are read in full.
TEST(Manifest, ADocumentThatIsNotYamlEndsOnlyItsOwnFile) {
  testing::TempDir dir;
  std::string network = "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: NAME}\nspec: {cidr: 10.OCTET.0.0/24}\n";
  int octet = 0;  // networks of one VDC may not overlap
  auto named = [&](const std::string& name) {
    return std::regex_replace(std::regex_replace(network, std::regex("NAME"), name), std::regex("OCTET"),
                              std::to_string(++octet));
  };
  dir.write("a.yaml", std::string(testing::kVdcHeader) + named("before") + "---\n" + "kind: [unclosed\n" + "---\n" +
                          named("after") + "---\n" + named("BAD"));
  dir.write("b.yaml", named("other-1") + "---\n" + named("Bad-2"));
  Diagnostics diags;
  Vdc vdc = loadVdc(dir.str(), diags);
  std::string errors = diags.str();
  EXPECT_NE(errors.find("a.yaml:12:1: invalid YAML"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("'BAD'"), std::string::npos) << errors;      // after the bad document: not read
  EXPECT_NE(errors.find("b.yaml:8:18:"), std::string::npos) << errors;  // the other file: read to its end
  EXPECT_NE(errors.find("'Bad-2'"), std::string::npos) << errors;
  EXPECT_EQ(diags.size(), 2u) << errors;
}

TEST(Manifest, TargetDocumentsDoNotBelongInTheVdc) {
  std::string errors = errorsOf("apiVersion: vdc/v1\nkind: Target\nmetadata: {name: t}\nspec: {}\n");
  EXPECT_NE(errors.find("pass it with --target FILE"), std::string::npos) << errors;
}

TEST(Manifest, AcceptsAValidVdcAndFillsDefaults) {
  Diagnostics diags;
  Vdc vdc = loadYaml(
      "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: n}\nspec: {cidr: 10.1.0.0/16}\n---\n"
      "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: i}\nspec:\n  interfaces: [{network: n}]\n",
      diags);
  ASSERT_TRUE(diags.empty()) << diags.str();
  const Resource* net = vdc.find({Kind::Network, "n"});
  ASSERT_TRUE(net);
  EXPECT_EQ(net->spec["gateway"], "10.1.0.1");
  EXPECT_EQ(net->spec["mode"], "isolated");
  EXPECT_EQ(net->spec["dhcp"], true);
  EXPECT_EQ(net->spec["mtu"], 1500);
  const Resource* instance = vdc.find({Kind::Instance, "i"});
  ASSERT_TRUE(instance);
  EXPECT_EQ(instance->spec["memory"], "512MiB");
  EXPECT_EQ(instance->spec["cpus"], 1);
  EXPECT_EQ(instance->spec["state"], "running");
  EXPECT_EQ(instance->spec["interfaces"][0]["securityGroups"], Json::array());
  EXPECT_FALSE(instance->spec.contains("replicas"));
}

}  // namespace vdc

namespace vdc {

TEST(Manifest, DocumentsAreCutOnlyAtMarkers) {
  Diagnostics diags;
  Vdc vdc = testing::loadYaml(
      "apiVersion: vdc/v1\nkind: KeyPair\nmetadata: {name: k}\nspec: {publicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbQ1dD3uOd5nY4Xk2q0cH7Gm0a1yXrLwz8H2n0qk9fT k}\n"
      "--- \n"
      "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: i}\nspec:\n  userData: |\n    ---\n    a: b\n"
      "---\n"
      "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: j}\nspec: {cpus: lots}\n",
      diags);
  ASSERT_EQ(diags.size(), 1u) << diags.str();
  EXPECT_EQ(diags.all()[0].where().line, 22) << diags.str();  // the cut keeps line numbers (5 of header)
  EXPECT_NE(diags.str().find("spec.cpus must be an integer"), std::string::npos);
  ASSERT_TRUE(vdc.find({Kind::Instance, "i"}));
  EXPECT_EQ(vdc.find({Kind::Instance, "i"})->spec["userData"], "---\na: b\n");
  Diagnostics clean;
  Vdc ok = testing::loadYaml(
      "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: i}\nspec:\n  userData: |\n    ---\n    a: b\n", clean);
  ASSERT_TRUE(clean.empty()) << clean.str();
  EXPECT_EQ(ok.find({Kind::Instance, "i"})->spec["userData"], "---\na: b\n");
}

TEST(Manifest, StreamsWithDirectivesAreReadWhole) {
  Diagnostics diags;
  Vdc vdc = testing::loadYaml(
      "%YAML 1.2\n---\napiVersion: vdc/v1\nkind: Network\nmetadata: {name: n}\nspec: {cidr: 10.0.0.0/24}\n", diags,
      false);
  EXPECT_NE(diags.str().find("no VirtualDataCenter"), std::string::npos) << diags.str();
  EXPECT_EQ(diags.size(), 1u) << diags.str();
}

}  // namespace vdc

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/graph.h"
#include "engine/resolve.h"

namespace vdc {

// Inputs on which the fuzzer once found a crash (scripts/fuzz.sh): each must
// now be read, resolved and checked without one.
TEST(Manifest, FuzzerFindingsStayFixed) {
  size_t checked = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(VDC_SOURCE_DIR) + "/tests/fuzz-regressions/manifest")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    testing::TempDir dir;
    dir.write("vdc.yaml", text.str());
    Diagnostics diags;
    loadVdc(dir.str(), diags);   // once crashed, ran out of memory or never returned
    EXPECT_FALSE(diags.empty()) << entry.path();  // each is invalid, and said so
    ++checked;
  }
  EXPECT_GE(checked, 3u);
}

}  // namespace vdc

namespace vdc {

TEST(Manifest, InvalidUtf8IsAnErrorWithItsPlace) {
  std::string errors;
  Diagnostics diags;
  testing::loadYaml("apiVersion: vdc/v1\nkind: KeyPair\nmetadata: {name: k}\nspec: {publicKey: \"ssh-rsa A\xff\"}\n", diags);
  EXPECT_NE(diags.str().find("vdc.yaml:9:29: invalid UTF-8"), std::string::npos) << diags.str();
  // Well-formed bytes that are not UTF-8 all the same: an overlong form, a surrogate, past U+10FFFF.
  for (std::string bytes : {"\xe0\x88\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5\x80\x80\x80"}) {
    diags = {};
    testing::loadYaml("apiVersion: vdc/v1\nkind: KeyPair\nmetadata: {name: k}\nspec: {publicKey: \"ssh-rsa A" + bytes + "\"}\n",
                      diags);
    EXPECT_NE(diags.str().find("vdc.yaml:9:29: invalid UTF-8"), std::string::npos) << diags.str();
  }
  diags = {};
  testing::loadYaml("apiVersion: vdc/v1\nkind: KeyPair\nmetadata: {name: k}\nspec: {publicKey: \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbQ1dD3uOd5nY4Xk2q0cH7Gm0a1yXrLwz8H2n0qk9fT ops \xe2\x82\xac \xf0\x9f\x94\x91\"}\n", diags);
  EXPECT_TRUE(diags.empty()) << diags.str();  // the euro sign and a key emoji are fine in a comment
}

// Escapes can make values that are not text, which the file itself cannot hold.
TEST(Manifest, EscapesThatMakeNoTextAreErrors) {
  Diagnostics diags;
  testing::loadYaml("apiVersion: vdc/v1\nkind: KeyPair\nmetadata: {name: k, labels: {\"a\\x01\": b}}\n"
                    "spec: {publicKey: \"ssh-rsa \\0\"}\n",
                    diags);
  EXPECT_NE(diags.str().find("vdc.yaml:9:19: spec.publicKey is not text: control character U+0000"),
            std::string::npos)
      << diags.str();
  EXPECT_NE(diags.str().find("metadata.labels key is not text: control character U+0001"), std::string::npos)
      << diags.str();
}

// YAML allows tab, line feed and carriage return and no other control character.
TEST(Manifest, AControlCharacterIsAnErrorWithItsPlace) {
  Diagnostics diags;
  testing::loadYaml(std::string("apiVersion: vdc/v1\nkind: KeyPair\nmetadata: {name: k}\nspec: {publicKey: ssh-rsa A") +
                        '\0' + "B}\n",
                    diags);
  EXPECT_NE(diags.str().find("vdc.yaml:9:28: control character U+0000 is not allowed in YAML"), std::string::npos)
      << diags.str();
  diags = {};
  Vdc vdc = testing::loadYaml("apiVersion: vdc/v1\r\nkind: KeyPair\r\nmetadata: {name: k}\r\nspec:\r\n\tpublicKey: x\r\n", diags);
  EXPECT_EQ(diags.str().find("control character"), std::string::npos) << diags.str();
}

}  // namespace vdc

namespace vdc {

TEST(Manifest, AliasesCannotMultiplyADocumentWithoutBound) {
  // 400 interfaces, each an alias of one with 400 security groups: 160,000 values.
  std::string groups;
  for (int i = 0; i < 400; ++i) groups += (i ? ", g" : "g");
  std::string yaml = "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: i}\nspec:\n  interfaces:\n"
                     "    - &n {network: x, securityGroups: [" + groups + "]}\n";
  for (int i = 1; i < 400; ++i) yaml += "    - *n\n";
  Diagnostics diags;
  testing::loadYaml(yaml, diags);
  EXPECT_NE(diags.str().find("this document expands to more than 100000 values"), std::string::npos)
      << diags.str().substr(0, 500);
  EXPECT_LT(diags.size(), 110000u);
}

}  // namespace vdc

namespace vdc {

TEST(Manifest, DocumentEndMarkersSeparateDocuments) {
  Diagnostics diags;
  Vdc vdc = testing::loadYaml(
      "apiVersion: vdc/v1\nkind: KeyPair\nmetadata: {name: a}\nspec: {publicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbQ1dD3uOd5nY4Xk2q0cH7Gm0a1yXrLwz8H2n0qk9fT a}\n...\n"
      "%YAML 1.2\n---\napiVersion: vdc/v1\nkind: KeyPair\nmetadata: {name: b}\nspec: {publicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbQ1dD3uOd5nY4Xk2q0cH7Gm0a1yXrLwz8H2n0qk9fT b}\n",
      diags);
  ASSERT_TRUE(diags.empty()) << diags.str();
  EXPECT_TRUE(vdc.find({Kind::KeyPair, "a"}));
  EXPECT_TRUE(vdc.find({Kind::KeyPair, "b"}));
}

}  // namespace vdc
