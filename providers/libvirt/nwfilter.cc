#include "providers/libvirt/nwfilter.h"

#include <chrono>
#include <map>
#include <thread>

#include "engine/addresses.h"
#include "providers/libvirt/api/handles.h"
#include "providers/libvirt/api/xml.h"

namespace vdc::libvirt {

namespace {

// Priorities: lower runs first. Base rules, then the groups' accepts, then the drops.
constexpr int kBase = 100, kMember = 300, kRule = 400, kDrop = 900;

std::string ruleXml(const Json& rule, bool ingress) {
  std::string protocol = rule.value("protocol", "any");
  std::string element = protocol == "any" ? "all" : protocol;
  std::string side = ingress ? "src" : "dst";
  std::string ports;
  if (rule.contains("ports") && (protocol == "tcp" || protocol == "udp")) {
    std::string range = rule["ports"].get<std::string>();
    auto dash = range.find('-');
    std::string first = range.substr(0, dash), last = dash == std::string::npos ? first : range.substr(dash + 1);
    ports = " dstportstart='" + first + "' dstportend='" + last + "'";
  }
  std::string xml;
  for (const auto& peer : ruleAddresses(rule, ingress ? "from" : "to"))
    xml += "<rule action='accept' direction='" + std::string(ingress ? "in" : "out") + "' priority='" +
           std::to_string(kRule) + "'><" + element + " " + side + "ipaddr='" + peer.base.str() + "' " + side +
           "ipmask='" + std::to_string(peer.prefix) + "'" + ports + "/></rule>";
  return xml;
}

std::string uuidOf(virConnectPtr conn, const std::string& name) {
  FilterHandle filter(virNWFilterLookupByName(conn, name.c_str()));
  if (!filter) return "";
  char uuid[VIR_UUID_STRING_BUFLEN];
  return virNWFilterGetUUIDString(filter.get(), uuid) == 0 ? uuid : "";
}

}  // namespace

std::string groupFilterName(const std::string& vdc, const std::string& group) { return vdc + ".sg." + group; }

std::string nicFilterName(const std::string& vdc, const std::string& instance, size_t nic) {
  return vdc + ".nic." + instance + "." + std::to_string(nic);
}

std::string groupFilterXml(const std::string& vdc, const std::string& group, const Json& spec) {
  std::string xml = "<filter name='" + xmlEscape(groupFilterName(vdc, group)) + "' chain='root'>";
  // Members of a group reach each other on anything.
  for (const auto& ip : spec.value("members", Json::array()))
    xml += "<rule action='accept' direction='in' priority='" + std::to_string(kMember) + "'><all srcipaddr='" +
           ip.get<std::string>() + "'/></rule>";
  for (const auto& rule : spec.value("ingress", Json::array())) xml += ruleXml(rule, true);
  for (const auto& rule : spec.value("egress", Json::array())) xml += ruleXml(rule, false);
  return xml + "</filter>";
}

std::string nicFilterXml(const std::string& name, const std::string& vdc, const std::vector<std::string>& groups,
                         bool restrictEgress) {
  std::string base = std::to_string(kBase), drop = std::to_string(kDrop);
  std::string xml = "<filter name='" + xmlEscape(name) + "' chain='root'>";
  // DHCP both ways, whatever the groups say: a guest without it has no address.
  xml += "<rule action='accept' direction='out' priority='" + base + "'><udp dstportstart='67' dstportend='68'/></rule>";
  xml += "<rule action='accept' direction='in' priority='" + base + "'><udp dstportstart='67' dstportend='68'/></rule>";
  if (!restrictEgress) xml += "<rule action='accept' direction='out' priority='" + base + "'><all/></rule>";
  for (const auto& group : groups) xml += "<filterref filter='" + xmlEscape(groupFilterName(vdc, group)) + "'/>";
  xml += "<rule action='drop' direction='in' priority='" + drop + "'><all/></rule>";
  if (restrictEgress) xml += "<rule action='drop' direction='out' priority='" + drop + "'><all/></rule>";
  return xml + "</filter>";
}

bool restrictsEgress(RecordStore& records, const std::string& vdc, const std::vector<std::string>& groups) {
  for (const auto& group : groups)
    if (auto record = records.find(vdc, {Kind::SecurityGroup, group}))
      if (!record->spec.value("egress", Json::array()).empty()) return true;
  return false;
}

namespace {

// An element with its attributes sorted and its element children in order;
// text, comments and the filter's uuid (the host's, not the rules) left out.
std::string canonical(xmlNodePtr node) {
  std::map<std::string, std::string> attributes;
  for (xmlAttrPtr a = node->properties; a; a = a->next)
    attributes[reinterpret_cast<const char*>(a->name)] = XmlDocument::attribute(node, reinterpret_cast<const char*>(a->name)).value_or("");
  std::string out = "<" + std::string(reinterpret_cast<const char*>(node->name));
  for (const auto& [name, value] : attributes) out += " " + name + "='" + value + "'";
  out += ">";
  for (xmlNodePtr child = node->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE && !xmlStrEqual(child->name, BAD_CAST "uuid")) out += canonical(child);
  return out + "</>";
}

}  // namespace

FilterState filterState(virConnectPtr conn, const std::string& name, const std::string& expectedXml) {
  auto filter = lookupOrNull<FilterHandle>(virNWFilterLookupByName(conn, name.c_str()), "network filter " + name);
  if (!filter) return FilterState::Missing;
  XmlDocument live(takeString(virNWFilterGetXMLDesc(filter.get(), 0), "network filter " + name), name);
  XmlDocument expected(expectedXml, name);
  return canonical(live.root()) == canonical(expected.root()) ? FilterState::AsWritten : FilterState::Differs;
}

void defineFilter(virConnectPtr conn, const std::string& name, const std::string& xml) {
  std::string uuid = uuidOf(conn, name);
  std::string full = xml;
  if (!uuid.empty()) full.insert(full.find('>') + 1, "<uuid>" + uuid + "</uuid>");
  // Defining a filter makes libvirt rebuild the filters of every guest that
  // uses it, and the rebuild fails, with no cause given, when a guest's tap
  // device goes away in the middle (a guest stopped or restarted at that
  // moment, by this apply or by anyone). The definition is then refused, and
  // the next try meets a settled host.
  constexpr int kAttempts = 4;
  for (int attempt = 1;; ++attempt) {
    FilterHandle filter(virNWFilterDefineXML(conn, full.c_str()));
    if (filter) return;
    virErrorPtr error = virGetLastError();
    if (attempt == kAttempts || !error || error->code != VIR_ERR_INTERNAL_ERROR)
      throw libvirtError("cannot define network filter " + name);
    std::this_thread::sleep_for(std::chrono::milliseconds(100 * attempt));
  }
}

void undefineFilter(virConnectPtr conn, const std::string& name) {
  auto filter = lookupOrNull<FilterHandle>(virNWFilterLookupByName(conn, name.c_str()), "network filter " + name);
  if (!filter) return;
  if (virNWFilterUndefine(filter.get()) < 0) throw libvirtError("cannot undefine network filter " + name);
}

void refreshNicFilters(virConnectPtr conn, RecordStore& records, const std::string& vdc,
                       const std::string& group) {
  virNWFilterPtr* list = nullptr;
  int n = virConnectListAllNWFilters(conn, &list, 0);
  std::string prefix = vdc + ".nic.";
  for (auto& filter : takeList<FilterHandle>(list, n, "cannot list network filters")) {
    std::string name = virNWFilterGetName(filter.get());
    if (!name.starts_with(prefix)) continue;
    XmlDocument doc(takeString(virNWFilterGetXMLDesc(filter.get(), 0), "XML of " + name), "network filter XML");
    std::vector<std::string> groups;
    bool includes = false;
    for (xmlNodePtr ref : doc.nodes("filterref")) {
      std::string referenced = XmlDocument::attribute(ref, "filter").value_or("");
      if (!referenced.starts_with(vdc + ".sg.")) continue;
      groups.push_back(referenced.substr(vdc.size() + 4));
      includes = includes || referenced == groupFilterName(vdc, group);
    }
    if (includes) defineFilter(conn, name, nicFilterXml(name, vdc, groups, restrictsEgress(records, vdc, groups)));
  }
}

}  // namespace vdc::libvirt
