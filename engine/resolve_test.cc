// Checks across documents: names, references, addresses, attachments, replicas.
#include "engine/resolve.h"

#include <gtest/gtest.h>

#include "engine/kinds/key_pair.h"
#include "engine/test_support.h"

namespace vdc {

using testing::loadYaml;

static const char* kNetwork = "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: front}\nspec: {cidr: 10.0.1.0/24}\n---\n";

static std::string errorsOf(const std::string& yaml) {
  Diagnostics diags;
  loadYaml(yaml, diags);
  return diags.str();
}

static std::string instance(const std::string& name, const std::string& spec) {
  return "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: " + name + "}\nspec:\n" + spec + "---\n";
}

TEST(Resolve, DuplicateNamesPointAtTheFirst) {
  std::string errors = errorsOf(std::string(kNetwork) + kNetwork);
  EXPECT_NE(errors.find("duplicate Network 'front' (first defined at"), std::string::npos) << errors;
}

TEST(Resolve, DanglingReferenceSuggestsAName) {
  std::string errors = errorsOf(std::string(kNetwork) + instance("a", "  interfaces: [{network: fornt}]\n"));
  EXPECT_NE(errors.find("Network 'fornt' referenced by spec.interfaces[0].network does not exist (did you mean 'front'?)"),
            std::string::npos)
      << errors;
}

TEST(Resolve, FixedAddressesMustBeInsideAndUnique) {
  std::string errors = errorsOf(std::string(kNetwork) +
                                instance("a", "  interfaces: [{network: front, ip: 10.0.2.5}]\n") +
                                instance("b", "  interfaces: [{network: front, ip: 10.0.1.5}]\n") +
                                instance("c", "  interfaces: [{network: front, ip: 10.0.1.5}]\n") +
                                instance("d", "  interfaces: [{network: front, ip: 10.0.1.1}]\n"));
  EXPECT_NE(errors.find("ip 10.0.2.5 is outside network 'front' (10.0.1.0/24)"), std::string::npos) << errors;
  EXPECT_NE(errors.find("ip 10.0.1.5 on network 'front' is already used at"), std::string::npos) << errors;
  EXPECT_NE(errors.find("ip 10.0.1.1 is the gateway of network 'front'"), std::string::npos) << errors;
}

TEST(Resolve, FixedAddressNeedsOneReplica) {
  std::string errors =
      errorsOf(std::string(kNetwork) + instance("a", "  replicas: 2\n  interfaces: [{network: front, ip: 10.0.1.9}]\n"));
  EXPECT_NE(errors.find("a fixed ip needs replicas: 1"), std::string::npos) << errors;
}

TEST(Resolve, ContainerNeedsARawImageAndNoVolumes) {
  std::string image = "apiVersion: vdc/v1\nkind: Image\nmetadata: {name: disk}\nspec: {source: d.img, format: qcow2}\n---\n";
  std::string volume = "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: data}\nspec: {size: 1GiB}\n---\n";
  std::string errors = errorsOf(image + volume + instance("a", "  hypervisor: lxc\n") +
                                instance("b", "  hypervisor: lxc\n  image: disk\n  volumes: [{volume: data}]\n"));
  EXPECT_NE(errors.find(":20:15: Instance 'a' has hypervisor lxc but no image"), std::string::npos) << errors;
  EXPECT_NE(errors.find(":27:10: Instance 'b' has hypervisor lxc, which needs a raw image holding a file system; "
                        "Image 'disk' is qcow2"),
            std::string::npos)
      << errors;
  EXPECT_NE(errors.find(":28:22: Instance 'b' has hypervisor lxc: a container takes no volumes"), std::string::npos)
      << errors;
  std::string raw = "apiVersion: vdc/v1\nkind: Image\nmetadata: {name: root}\nspec: {source: r.img, format: raw}\n---\n";
  EXPECT_EQ(errorsOf(raw + instance("c", "  hypervisor: lxc\n  image: root\n")), "");
}

TEST(Resolve, VolumeAttachesToOneInstance) {
  std::string volume = "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: data}\nspec: {size: 1GiB}\n---\n";
  std::string errors = errorsOf(volume + instance("a", "  volumes: [{volume: data}]\n") +
                                instance("b", "  volumes: [{volume: data}]\n"));
  EXPECT_NE(errors.find("Volume 'data' is attached twice"), std::string::npos) << errors;
  errors = errorsOf(volume + instance("c", "  replicas: 3\n  volumes: [{volume: data}]\n"));
  EXPECT_NE(errors.find("would be attached to all 3 replicas"), std::string::npos) << errors;
}

TEST(Resolve, ReplicasExpandAndMustNotClash) {
  Diagnostics diags;
  Vdc vdc = loadYaml(instance("web", "  replicas: 3\n"), diags);
  ASSERT_TRUE(diags.empty()) << diags.str();
  EXPECT_TRUE(vdc.find({Kind::Instance, "web-0"}));
  EXPECT_TRUE(vdc.find({Kind::Instance, "web-2"}));
  EXPECT_FALSE(vdc.find({Kind::Instance, "web"}));
  std::string errors = errorsOf(instance("web", "  replicas: 2\n") + instance("web-1", "  cpus: 1\n"));
  EXPECT_NE(errors.find("instance name 'web-1' is made twice: by the replicas of Instance 'web' at"), std::string::npos)
      << errors;
}

TEST(Resolve, DependsOnNamesExistingResources) {
  std::string errors = errorsOf(instance("a", "  dependsOn: [Instance/b, Volume/x, nonsense]\n") +
                                instance("b", "  cpus: 1\n"));
  EXPECT_NE(errors.find("Volume 'x' referenced by spec.dependsOn[1] does not exist"), std::string::npos) << errors;
  EXPECT_NE(errors.find("dependsOn entry 'nonsense' must be Kind/name"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("Instance 'b'"), std::string::npos) << errors;
}

TEST(Resolve, DependsOnAReplicatedInstanceMeansAllReplicas) {
  Diagnostics diags;
  Vdc vdc = loadYaml(instance("db", "  replicas: 2\n") + instance("app", "  dependsOn: [Instance/db]\n"), diags);
  ASSERT_TRUE(diags.empty()) << diags.str();
  const auto& deps = vdc.find({Kind::Instance, "app"})->dependencies;
  EXPECT_NE(std::find(deps.begin(), deps.end(), ResourceId{Kind::Instance, "db-0"}), deps.end());
  EXPECT_NE(std::find(deps.begin(), deps.end(), ResourceId{Kind::Instance, "db-1"}), deps.end());
}

TEST(Resolve, CyclesNameEveryMember) {
  std::string errors = errorsOf(instance("a", "  dependsOn: [Instance/b]\n") + instance("b", "  dependsOn: [Instance/c]\n") +
                                instance("c", "  dependsOn: [Instance/a]\n"));
  EXPECT_NE(errors.find("dependency cycle: Instance/a -> Instance/b -> Instance/c -> Instance/a"), std::string::npos)
      << errors;
}

TEST(Resolve, SecurityGroupsMayNameEachOther) {
  std::string groups =
      "apiVersion: vdc/v1\nkind: SecurityGroup\nmetadata: {name: web}\nspec:\n  ingress: [{protocol: tcp, ports: '80', from: app}]\n---\n"
      "apiVersion: vdc/v1\nkind: SecurityGroup\nmetadata: {name: app}\nspec:\n  ingress: [{protocol: tcp, ports: '8080', from: web}]\n---\n"
      "apiVersion: vdc/v1\nkind: SecurityGroup\nmetadata: {name: bad}\nspec:\n  ingress: [{protocol: icmp, ports: '1', from: nobody}]\n";
  std::string errors = errorsOf(groups);
  EXPECT_EQ(errors.find("cycle"), std::string::npos) << errors;
  EXPECT_NE(errors.find("ports are only allowed for tcp and udp, not icmp"), std::string::npos) << errors;
  EXPECT_NE(errors.find("SecurityGroup 'nobody' referenced by spec.ingress[0].from does not exist"), std::string::npos)
      << errors;
}

TEST(Resolve, ExactlyOneVirtualDataCenter) {
  Diagnostics diags;
  loadYaml(kNetwork, diags, false);
  EXPECT_NE(diags.str().find("no VirtualDataCenter document"), std::string::npos) << diags.str();
  Diagnostics twice;
  loadYaml(std::string(testing::kVdcHeader) + "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: other}\n", twice);
  EXPECT_NE(twice.str().find("a second VirtualDataCenter 'other'"), std::string::npos) << twice.str();
}

TEST(Resolve, LoadBalancerSelectsBackendsByLabel) {
  std::string lb =
      "apiVersion: vdc/v1\nkind: LoadBalancer\nmetadata: {name: lb}\nspec:\n  network: front\n"
      "  listeners: [{port: 80}]\n  backends: {selector: {tier: web}}\n---\n";
  std::string web = "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: web, labels: {tier: web}}\nspec: {replicas: 2}\n---\n";
  Diagnostics diags;
  Vdc vdc = loadYaml(std::string(kNetwork) + lb + web + instance("other", "  cpus: 1\n"), diags);
  ASSERT_TRUE(diags.empty()) << diags.str();
  const Resource* balancer = vdc.find({Kind::LoadBalancer, "lb"});
  EXPECT_EQ(balancer->spec["backends"]["members"], Json({"web-0", "web-1"}));
  EXPECT_EQ(balancer->spec["listeners"][0]["backendPort"], 80);
  const auto& deps = balancer->dependencies;
  EXPECT_NE(std::find(deps.begin(), deps.end(), ResourceId{Kind::Instance, "web-1"}), deps.end());
}

// A guest reads its keys at boot: each instance's spec carries their
// fingerprints, so a new key is a change of the instances that have it.
TEST(Resolve, AnInstanceCarriesTheFingerprintsOfItsKeys) {
  auto keyPair = [](const std::string& name, const std::string& key) {
    return "apiVersion: vdc/v1\nkind: KeyPair\nmetadata: {name: " + name + "}\nspec: {publicKey: " + key + "}\n---\n";
  };
  const std::string ops = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIC+nE6TUDs3SZ+tGmDpLB2pT3YbkSc9hophqTn1c72wp";
  const std::string dev = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbQ1dD3uOd5nY4Xk2q0cH7Gm0a1yXrLwz8H2n0qk9fT";
  auto load = [&](const std::string& opsKey) {
    Diagnostics diags;
    Vdc vdc = loadYaml(keyPair("ops", opsKey) + keyPair("dev", dev) +
                           instance("web", "  replicas: 2\n  keyPairs: [ops, dev]\n") + instance("db", "  cpus: 1\n") +
                           "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: old, annotations: {vdc/adopt: legacy}}\n"
                           "spec: {keyPairs: [ops]}\n",
                       diags);
    EXPECT_TRUE(diags.empty()) << diags.str();
    return vdc;
  };
  Vdc vdc = load(ops + " ops@laptop");
  for (const char* name : {"web-0", "web-1"})
    EXPECT_EQ(vdc.find({Kind::Instance, name})->spec["keyFingerprints"],
              Json({{"ops", "SHA256:px55jh9QoPzcoCh2P4Qel0FqHo21nQ/w8vINeHEOGws"}, {"dev", keyFingerprint(dev)}}));
  EXPECT_FALSE(vdc.find({Kind::Instance, "db"})->spec.contains("keyFingerprints")) << "no keys, no field";
  EXPECT_FALSE(vdc.find({Kind::Instance, "old"})->spec.contains("keyFingerprints"))
      << "an adopted machine has no seed of vdc's";
  // A new comment is no new key; a new key is a new spec.
  EXPECT_EQ(load(ops + " ops@elsewhere").find({Kind::Instance, "web-0"})->specHash,
            vdc.find({Kind::Instance, "web-0"})->specHash);
  EXPECT_NE(load(dev + " ops@laptop").find({Kind::Instance, "web-0"})->specHash,
            vdc.find({Kind::Instance, "web-0"})->specHash);
  EXPECT_EQ(load(dev).find({Kind::Instance, "db"})->specHash, vdc.find({Kind::Instance, "db"})->specHash);
}

TEST(Resolve, SpecHashIsStableAndSensitive) {
  Diagnostics diags;
  Vdc a = loadYaml(instance("a", "  cpus: 2\n  memory: 1024MiB\n"), diags);
  Vdc b = loadYaml(instance("a", "  memory: 1GiB\n  cpus: 2\n"), diags);
  Vdc c = loadYaml(instance("a", "  memory: 1GiB\n  cpus: 3\n"), diags);
  ASSERT_TRUE(diags.empty()) << diags.str();
  EXPECT_EQ(a.find({Kind::Instance, "a"})->specHash, b.find({Kind::Instance, "a"})->specHash);
  EXPECT_NE(a.find({Kind::Instance, "a"})->specHash, c.find({Kind::Instance, "a"})->specHash);
}

}  // namespace vdc

namespace vdc {

TEST(Resolve, RefusesExpansionsNoDatacenterWants) {
  std::string errors = errorsOf(instance("a", "  replicas: 10000\n  dependsOn: [Instance/b]\n") +
                                instance("b", "  replicas: 10000\n"));
  EXPECT_NE(errors.find("dependsOn expands to more than 1000000 ordering edges"), std::string::npos) << errors;
  // Replicas are counted before they are made: 6 lines may not stand for 60,000 instances.
  std::string many;
  for (int i = 0; i < 6; ++i) many += instance("g" + std::to_string(i), "  replicas: 10000\n");
  errors = errorsOf(many);
  EXPECT_NE(errors.find("replicas make more than 50000 instances in this VDC"), std::string::npos) << errors;
  // Instances written out count towards the whole (with small limits here, as the fuzzer's).
  std::string written;
  for (int i = 0; i < 30; ++i) written += instance("w" + std::to_string(i), "  replicas: 2\n");
  Diagnostics diags;
  std::vector<Manifest> manifests;
  ASSERT_TRUE(readManifestText(written, "vdc.yaml", manifests, diags)) << diags.str();
  resolve(std::move(manifests), diags, false, {.instances = 50, .replicated = 1000, .dependsOnEdges = 1000});
  EXPECT_NE(diags.str().find("the VDC expands to more than 50 instances"), std::string::npos) << diags.str();
}

static std::string network(const std::string& name, const std::string& cidr) {
  return "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: " + name + "}\nspec: {cidr: " + cidr + "}\n---\n";
}

TEST(Resolve, NetworksOfOneVdcMayNotOverlapNorBeTooLargeOrSmall) {
  std::string errors = errorsOf(network("a", "10.0.0.0/16") + network("b", "10.0.5.0/24") + network("c", "10.1.0.0/16"));
  EXPECT_NE(errors.find("network 10.0.5.0/24 overlaps 10.0.0.0/16"), std::string::npos) << errors;
  EXPECT_EQ(errors.find("10.1.0.0/16 overlaps"), std::string::npos) << errors;
  errors = errorsOf(network("a", "0.0.0.0/0") + network("b", "20.0.0.0/7") + network("c", "30.0.0.0/31"));
  EXPECT_NE(errors.find("network 0.0.0.0/0 is too large (at least /8)"), std::string::npos) << errors;
  EXPECT_NE(errors.find("network 20.0.0.0/7 is too large"), std::string::npos) << errors;
  EXPECT_NE(errors.find("network 30.0.0.0/31 is too small"), std::string::npos) << errors;
  EXPECT_EQ(errorsOf(network("a", "10.0.0.0/8") + network("b", "11.0.0.0/30")), "");
}

TEST(Resolve, MemoryIsWholeMibThatAGuestCanUse) {
  for (const char* memory : {"1", "1KiB", "15MiB", "1536KiB", "17TiB"})
    EXPECT_NE(errorsOf(instance("a", std::string("  memory: ") + memory + "\n")).find("is not whole MiB from 16MiB to 16TiB"),
              std::string::npos)
        << memory;
  EXPECT_EQ(errorsOf(instance("a", "  memory: 16MiB\n")), "");
  EXPECT_EQ(errorsOf(instance("a", "  memory: 16TiB\n")), "");
}

TEST(Resolve, AKeyGivenTwiceIsAnErrorNamingBothPlaces) {
  std::string errors = errorsOf(instance("a", "  cpus: 1\n  cpus: 2\n"));
  EXPECT_NE(errors.find("duplicate key 'cpus' (first at "), std::string::npos) << errors;
  errors = errorsOf("apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: a, name: b, labels: {x: '1', x: '2'}}\n");
  EXPECT_NE(errors.find("duplicate key 'name'"), std::string::npos) << errors;
  EXPECT_NE(errors.find("duplicate key 'x'"), std::string::npos) << errors;
}

TEST(Resolve, AnImageUrlMayNotCarryCredentials) {
  std::string errors = errorsOf(
      "apiVersion: vdc/v1\nkind: Image\nmetadata: {name: i}\nspec: {source: 'https://bob:hunter2@images.example/i.qcow2'}\n");
  EXPECT_NE(errors.find("Image source 'https://images.example/i.qcow2' carries a user name or password"),
            std::string::npos)
      << errors;
  EXPECT_EQ(errors.find("hunter2"), std::string::npos) << errors;
}

TEST(Resolve, ControlBytesInValuesAreEscapedInEveryMessage) {
  // A value with a control byte is refused without being shown; a key is shown, escaped.
  std::string errors = errorsOf(instance("a", "  image: \"x\\e[2J\\ry\"\n  \"k\\e[2J\\ry\": 1\n"));
  EXPECT_NE(errors.find("spec.image is not text"), std::string::npos) << errors;
  EXPECT_NE(errors.find("unknown field 'k\\x1B[2J\\x0Dy'"), std::string::npos) << errors;
  EXPECT_EQ(errors.find('\x1b'), std::string::npos);
  EXPECT_EQ(errors.find('\r'), std::string::npos);
}

}  // namespace vdc

namespace vdc {

static std::string renamed(const std::string& kind, const std::string& name, const std::string& from,
                           const std::string& spec) {
  return "apiVersion: vdc/v1\nkind: " + kind + "\nmetadata: {name: " + name +
         ", annotations: {vdc/renamed-from: " + from + "}}\nspec:\n" + spec + "---\n";
}

TEST(Resolve, ARenameNamesAnOldResourceThatIsGone) {
  std::string errors =
      errorsOf(std::string(kNetwork) + renamed("Network", "back", "front", "  cidr: 10.0.2.0/24\n") +
               renamed("Volume", "data", "data", "  size: 1GiB\n") + renamed("Volume", "logs", "Old_", "  size: 1GiB\n") +
               instance("db", "  memory: 1GiB\n") + renamed("Instance", "database", "db", "  memory: 1GiB\n") +
               renamed("Instance", "a", "old", "  memory: 1GiB\n") + renamed("Instance", "b", "old", "  memory: 1GiB\n"));
  for (const char* expected :
       {"Network/back (vdc/renamed-from): only an Instance or a Volume keeps its object through a rename",
        "Volume/data (vdc/renamed-from): it names the resource itself",
        "Volume/logs (vdc/renamed-from): 'Old_' is no resource name",
        "Instance/database (vdc/renamed-from): Instance/db is still in the manifests (at",
        "Instance/b (vdc/renamed-from): Instance/old is renamed at"})
    EXPECT_NE(errors.find(expected), std::string::npos) << expected << "\n" << errors;
}

TEST(Resolve, EachReplicaIsRenamedFromTheOldOneOfItsIndex) {
  Diagnostics diags;
  Vdc vdc = loadYaml(renamed("Instance", "web", "front", "  memory: 1GiB\n  replicas: 2\n") +
                         renamed("Volume", "data", "logs", "  size: 1GiB\n"),
                     diags);
  ASSERT_TRUE(diags.empty()) << diags.str();
  EXPECT_EQ(vdc.find({Kind::Instance, "web-0"})->renamedFrom, "front-0");
  EXPECT_EQ(vdc.find({Kind::Instance, "web-1"})->renamedFrom, "front-1");
  EXPECT_EQ(vdc.find({Kind::Volume, "data"})->renamedFrom, "logs");
}

}  // namespace vdc
