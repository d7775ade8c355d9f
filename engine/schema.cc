#include "engine/schema.h"

namespace vdc {

namespace {

Field field(std::string name, FieldType type) {
  Field f;
  f.name = std::move(name);
  f.type = type;
  return f;
}
Field required(Field f) {
  f.required = true;
  return f;
}
Field withDefault(Field f, Json value) {
  f.defaultValue = std::move(value);
  return f;
}
Field replaces(Field f) {
  f.forcesReplacement = true;
  return f;
}
Field restarts(Field f) {
  f.restarts = true;
  return f;
}
Field choice(std::string name, std::vector<std::string> choices) {
  Field f = field(std::move(name), FieldType::Enum);
  f.choices = std::move(choices);
  return f;
}
Field ref(std::string name, Kind kind, FieldType type = FieldType::Ref) {
  Field f = field(std::move(name), type);
  f.ref = kind;
  return f;
}
Field integer(std::string name, long minimum, long maximum) {
  Field f = field(std::move(name), FieldType::Int);
  f.minimum = minimum;
  f.maximum = maximum;
  return f;
}
Field object(std::string name, FieldType type, std::vector<Field> fields) {
  Field f = field(std::move(name), type);
  f.fields = std::move(fields);
  return f;
}

std::vector<Field> rule(const char* peer) {
  return {
      required(choice("protocol", {"tcp", "udp", "icmp", "any"})),
      field("ports", FieldType::Ports),
      withDefault(field(peer, FieldType::Peer), "0.0.0.0/0"),
  };
}

std::vector<Field> makeFields(Kind kind) {
  switch (kind) {
    case Kind::VirtualDataCenter:
      return {withDefault(field("description", FieldType::Text), "")};
    case Kind::Network:
      return {
          replaces(required(field("cidr", FieldType::Cidr))),
          withDefault(choice("mode", {"isolated", "nat"}), "isolated"),
          withDefault(field("dhcp", FieldType::Bool), true),
          field("gateway", FieldType::Ipv4),  // default: first host, filled by the loader
          withDefault(integer("mtu", 68, 65535), 1500),
      };
    case Kind::SecurityGroup:
      return {
          withDefault(object("ingress", FieldType::ObjectList, rule("from")), Json::array()),
          withDefault(object("egress", FieldType::ObjectList, rule("to")), Json::array()),
      };
    case Kind::Image:
      return {
          replaces(required(field("source", FieldType::String))),
          replaces(withDefault(choice("format", {"qcow2", "raw"}), "qcow2")),
          replaces(field("sha256", FieldType::String)),
      };
    case Kind::KeyPair:
      return {required(field("publicKey", FieldType::String))};
    case Kind::Volume:
      return {
          required(field("size", FieldType::Size)),
          replaces(ref("image", Kind::Image)),
          replaces(withDefault(field("storageClass", FieldType::String), "standard")),
      };
    case Kind::Instance:
      return {
          restarts(withDefault(integer("cpus", 1, 256), 1)),
          restarts(withDefault(field("memory", FieldType::Size), "512MiB")),
          replaces(ref("image", Kind::Image)),
          replaces(withDefault(choice("hypervisor", {"kvm", "qemu", "lxc"}), "kvm")),
          withDefault(integer("replicas", 0, 10000), 1),
          restarts(withDefault(object("interfaces", FieldType::ObjectList,
                             {required(ref("network", Kind::Network)),
                              field("ip", FieldType::Ipv4),
                              withDefault(ref("securityGroups", Kind::SecurityGroup,
                                              FieldType::RefList),
                                          Json::array())}),
                      Json::array())),
          restarts(withDefault(object("volumes", FieldType::ObjectList,
                             {required(ref("volume", Kind::Volume)),
                              field("device", FieldType::String)}),
                      Json::array())),
          restarts(withDefault(ref("keyPairs", Kind::KeyPair, FieldType::RefList), Json::array())),
          restarts(field("userData", FieldType::Text)),
          withDefault(choice("state", {"running", "stopped"}), "running"),
          object("placement", FieldType::Object,
                 {field("host", FieldType::String), field("spreadBy", FieldType::String)}),
          withDefault(field("dependsOn", FieldType::DependsOn), Json::array()),
      };
    case Kind::LoadBalancer:
      return {
          replaces(required(ref("network", Kind::Network))),
          // The appliance reads its configuration when it boots.
          restarts(required(object("listeners", FieldType::ObjectList,
                                   {required(integer("port", 1, 65535)),
                                    withDefault(choice("protocol", {"tcp", "http", "https"}), "tcp"),
                                    integer("backendPort", 1, 65535),
                                    field("certificate", FieldType::String)}))),
          restarts(required(object("backends", FieldType::Object,
                                   {required(field("selector", FieldType::StringMap))}))),
          withDefault(choice("state", {"running", "stopped"}), "running"),
      };
  }
  return {};
}

}  // namespace

const std::vector<Field>& specFields(Kind kind) {
  static const auto table = [] {
    std::vector<std::vector<Field>> all;
    for (Kind k : kAllKinds) all.push_back(makeFields(k));
    return all;
  }();
  return table[static_cast<size_t>(kind)];
}

const Field* findField(const std::vector<Field>& fields, const std::string& name) {
  for (const auto& f : fields)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace vdc
