#include "engine/kinds/instance.h"

#include "engine/kinds/fields.h"
#include "engine/kinds/image.h"
#include "engine/kinds/key_pair.h"
#include "engine/kinds/kind_rules.h"

namespace vdc {

using namespace fields;

namespace {

std::vector<Field> instanceFields() {
  return {
      restarts(withDefault(integer("cpus", 1, 256), 1)),
      restarts(withDefault(field("memory", FieldType::Size), kDefaultMemory)),
      replaces(ref("image", Kind::Image)),
      replaces(withDefault(choice("hypervisor", {"kvm", "qemu", "lxc"}), kDefaultHypervisor)),
      withDefault(integer("replicas", 0, 10000), 1),
      restarts(withDefault(object("interfaces", FieldType::ObjectList,
                                  {required(ref("network", Kind::Network)), field("ip", FieldType::Ipv4),
                                   withDefault(ref("securityGroups", Kind::SecurityGroup, FieldType::RefList),
                                               Json::array())}),
                           Json::array())),
      restarts(withDefault(object("volumes", FieldType::ObjectList,
                                  {required(ref("volume", Kind::Volume)), field("device", FieldType::String)}),
                           Json::array())),
      restarts(withDefault(ref("keyPairs", Kind::KeyPair, FieldType::RefList), Json::array())),
      restarts(field("userData", FieldType::Text)),
      withDefault(choice("state", {"running", "stopped"}), kDefaultState),
      field("shutdownTimeout", FieldType::Duration),
      object("placement", FieldType::Object, {field("host", FieldType::String), field("spreadBy", FieldType::String)}),
      withDefault(field("dependsOn", FieldType::DependsOn), Json::array()),
  };
}

void instanceReferences(const Json& spec, const AddReference& add) {
  if (spec.contains("image")) add(Kind::Image, spec["image"]);
  for (const auto& nic : member(spec, "interfaces")) {
    add(Kind::Network, member(nic, "network"));
    for (const auto& group : member(nic, "securityGroups")) add(Kind::SecurityGroup, group);
  }
  for (const auto& volume : member(spec, "volumes")) add(Kind::Volume, member(volume, "volume"));
  for (const auto& key : member(spec, "keyPairs")) add(Kind::KeyPair, key);
}

// A virtual machine's root disk is a copy-on-write child of its image; a
// container's is a full copy. Its NICs are plugged into networks and
// filtered by its groups' filters, its volumes attached: each is let go and
// taken again. A key pair's key is copied into its seed, and dependsOn only
// orders.
Following instanceOnReplaced(const Json& spec, const ResourceId& referred) {
  switch (referred.kind) {
    case Kind::Image: return InstanceSpec(spec).container() ? Following::Nothing : Following::Replace;
    case Kind::Network:
    case Kind::SecurityGroup:
    case Kind::Volume: return Following::Reconnect;
    default: return Following::Nothing;
  }
}

// A fixed address must be a host of its network, not its gateway, and
// claimed once.
void checkFixedAddresses(const Manifest& m, Checks& checks) {
  long replicas = InstanceSpec(m.spec).replicas();
  const Json& interfaces = member(m.spec, "interfaces");
  for (size_t i = 0; i < interfaces.size(); ++i) {
    const auto& nic = interfaces[i];
    if (!nic.contains("ip")) continue;
    Location where = checks.mentionAt(m, "spec.interfaces[" + std::to_string(i) + "].ip");
    std::string ipText = nic["ip"].get<std::string>();
    if (replicas != 1) {
      checks.problem(where, "a fixed ip needs replicas: 1 (Instance '" + m.id.name + "' has replicas: " +
                                std::to_string(replicas) + ")");
      continue;
    }
    const Manifest* net = checks.lookup(Kind::Network, nic.value("network", ""));
    if (!net) continue;
    auto cidr = Cidr::parse(net->spec.value("cidr", ""));
    auto ip = Ipv4::parse(ipText);
    if (!cidr || !ip) continue;
    if (!isHostOf(*cidr, *ip)) {
      checks.problem(where, "ip " + ipText + " is outside network '" + net->id.name + "' (" + cidr->str() + ")");
      continue;
    }
    std::string gateway =
        net->spec.contains("gateway") ? net->spec["gateway"].get<std::string>() : cidr->firstHost().str();
    if (ipText == gateway) {
      checks.problem(where, "ip " + ipText + " is the gateway of network '" + net->id.name + "'");
      continue;
    }
    auto [it, inserted] = checks.fixedAddresses.emplace(net->id.name + "/" + ipText, where);
    if (!inserted)
      checks.problem(where, "ip " + ipText + " on network '" + net->id.name + "' is already used at " +
                                it->second.str());
  }
}

// A container boots no firmware and sees no block devices: libvirt mounts
// its image, which must be a file system in a raw file, as its root.
void checkContainer(const Manifest& m, Checks& checks) {
  std::string instance = "Instance '" + m.id.name + "'";
  if (!m.spec.contains("image")) {
    checks.problem(checks.mentionAt(m, "spec.hypervisor"),
                   instance + " has hypervisor lxc but no image: a container's image is its root file system");
  } else if (const Manifest* image = checks.lookup(Kind::Image, m.spec["image"].get<std::string>());
             image && ImageSpec(image->spec).format() != "raw") {
    checks.problem(checks.mentionAt(m, "spec.image"), instance +
                                                          " has hypervisor lxc, which needs a raw image holding a "
                                                          "file system; Image '" +
                                                          image->id.name + "' is " + ImageSpec(image->spec).format());
  }
  if (!member(m.spec, "volumes").empty())
    checks.problem(checks.mentionAt(m, "spec.volumes[0].volume"),
                   instance + " has hypervisor lxc: a container takes no volumes (they are block devices)");
}

void checkInstance(const Manifest& m, Checks& checks) {
  InstanceSpec spec(m.spec);
  // What libvirt takes and a guest can boot with: whole MiB, 16 MiB to 16 TiB.
  if (auto memory = parseSize(m.spec.value("memory", kDefaultMemory))) {
    constexpr uint64_t MiB = 1 << 20;
    if (*memory % MiB != 0 || *memory < 16 * MiB || *memory > (16ull << 40))
      checks.problem(checks.mentionAt(m, "spec.memory"),
                     "memory " + formatSize(*memory) + " is not whole MiB from 16MiB to 16TiB, which a guest needs");
  }
  checkFixedAddresses(m, checks);
  const Json& volumes = member(m.spec, "volumes");
  for (size_t i = 0; i < volumes.size(); ++i) {
    std::string volume = volumes[i].value("volume", "");
    Location where = checks.mentionAt(m, "spec.volumes[" + std::to_string(i) + "].volume");
    if (spec.replicas() > 1) {
      checks.problem(where, "Volume '" + volume + "' would be attached to all " + std::to_string(spec.replicas()) +
                                " replicas of Instance '" + m.id.name + "': a volume attaches to one instance");
      continue;
    }
    checks.attachments[volume].push_back(where);
  }
  if (spec.container()) checkContainer(m, checks);
}

// An instance with a root disk of its own (made from an image) loses it; so
// may one whose domain is gone ("absent"), which may have left its disk.
std::string instanceDataLost(const Json& before) {
  if (!member(before, "image").is_null() || member(before, "state") == "absent") return "its root disk's data is lost";
  return "";
}

}  // namespace

extern const KindRules kInstanceRules{
    .fields = instanceFields,
    .references = instanceReferences,
    .check = checkInstance,
    .onReplaced = instanceOnReplaced,
    .plannedForBoot = {kKeyFingerprintsField},
    .facts = {.placed = true, .carriesDisk = true, .renamable = true, .adoptable = true, .restarts = "the instance",
              .dataLost = instanceDataLost},
};

}  // namespace vdc
