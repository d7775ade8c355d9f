#include "providers/libvirt/inventory.h"

#include <libxml/xmlreader.h>

#include <functional>
#include <optional>
#include <set>

#include "base/error.h"
#include "engine/parallel.h"
#include "providers/libvirt/api/handles.h"

namespace vdc::libvirt {

namespace {

bool isRunning(int state) {
  return state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_BLOCKED || state == VIR_DOMAIN_PAUSED;
}

std::string childText(xmlNodePtr node, const char* name) {
  for (xmlNodePtr child = node->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE && xmlStrEqual(child->name, BAD_CAST name)) return XmlDocument::content(child);
  return "";
}

// One object of a listing; its XML is fetched and parsed on a worker.
struct Listed {
  HostObject::Type type;
  std::string name, pool;
  bool running;
  std::function<std::string()> fetch;
  std::optional<XmlDocument> doc;
};

// libvirtd serves up to five calls of one connection at once (its default
// max_client_requests; at five it warns and stops reading the connection,
// keepalives included), and a read is mostly waiting for it: three threads
// fetch and parse while the caller visits, in listing order, what is ready.
// At most kAhead documents are held at once, however large the host.
constexpr size_t kFetchThreads = 3;
constexpr size_t kAhead = 256;

void fetchAndVisit(std::vector<Listed>& listed, const HostVisitor& visit) {
  parallelInOrder(
      listed.size(), [&](size_t i) { listed[i].doc.emplace(listed[i].fetch(), listed[i].name); },
      [&](size_t i) {
        Listed& item = listed[i];
        visit({item.type, item.name, item.pool, item.running, *item.doc, item.doc->root()});
        item.doc.reset();
      },
      kFetchThreads, kAhead);
}

// Which domains run comes from one listing, not one call per domain: on a
// real host each call is a round trip to the daemon. A running domain is
// read as it runs (its live definition, vdc's record in it included): a
// definition written for its next boot, by a run that died before the
// restart, is not yet what the guest has, and the next plan restarts it.
std::vector<DomainHandle> listDomains(virConnectPtr connection, std::vector<Listed>& into) {
  std::set<std::string> running;
  virDomainPtr* domains = nullptr;
  int n = virConnectListAllDomains(connection, &domains,
                                   VIR_CONNECT_LIST_DOMAINS_RUNNING | VIR_CONNECT_LIST_DOMAINS_PAUSED);
  for (auto& dom : takeList<DomainHandle>(domains, n, "cannot list domains")) running.insert(virDomainGetName(dom.get()));
  n = virConnectListAllDomains(connection, &domains, 0);
  auto all = takeList<DomainHandle>(domains, n, "cannot list domains");
  for (auto& dom : all) {
    std::string name = virDomainGetName(dom.get());
    virDomainPtr raw = dom.get();
    into.push_back({HostObject::Type::Domain, name, "", running.count(name) > 0, [raw, name] {
                      return takeString(virDomainGetXMLDesc(raw, 0), "domain " + name);
                    }});
  }
  return all;
}

}  // namespace

void scanDomains(virConnectPtr connection, const HostVisitor& visit) {
  std::vector<Listed> listed;
  auto domains = listDomains(connection, listed);
  fetchAndVisit(listed, visit);
}

void scanConnection(virConnectPtr connection, const HostVisitor& visit) {
  std::vector<Listed> listed;
  auto domains = listDomains(connection, listed);
  virNetworkPtr* networkList = nullptr;
  int n = virConnectListAllNetworks(connection, &networkList, 0);
  auto networks = takeList<NetworkHandle>(networkList, n, "cannot list networks");
  for (auto& net : networks) {
    virNetworkPtr raw = net.get();
    listed.push_back({HostObject::Type::Network, virNetworkGetName(raw), "", virNetworkIsActive(raw) == 1,
                      [raw] { return networkDefinition(raw); }});
  }
  virStoragePoolPtr* poolList = nullptr;
  n = virConnectListAllStoragePools(connection, &poolList, 0);
  auto pools = takeList<PoolHandle>(poolList, n, "cannot list storage pools");
  std::vector<VolumeHandle> volumes;
  for (auto& pool : pools) {
    std::string poolName = virStoragePoolGetName(pool.get());
    if (virStoragePoolIsActive(pool.get()) != 1) {
      virStoragePoolPtr raw = pool.get();
      listed.push_back({HostObject::Type::Pool, poolName, poolName, false, [raw, poolName] {
                          return takeString(virStoragePoolGetXMLDesc(raw, 0), "pool " + poolName);
                        }});
      continue;
    }
    virStorageVolPtr* volumeList = nullptr;
    int m = virStoragePoolListAllVolumes(pool.get(), &volumeList, 0);
    for (auto& vol : takeList<VolumeHandle>(volumeList, m, "cannot list volumes of pool " + poolName)) {
      std::string name = virStorageVolGetName(vol.get());
      virStorageVolPtr raw = vol.get();
      listed.push_back({HostObject::Type::Volume, name, poolName, true,
                        [raw, name] { return takeString(virStorageVolGetXMLDesc(raw, 0), "volume " + name); }});
      volumes.push_back(std::move(vol));
    }
  }
  fetchAndVisit(listed, visit);
}

void scanNodeFile(const std::string& file, const HostVisitor& visit) {
  XmlReader reader(
      xmlReaderForFile(file.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!reader) throw Error("cannot read " + file);
  int status = xmlTextReaderRead(reader.get());
  if (status != 1) throw Error(file + " is not a libvirt test driver node file");
  // The reader builds one document as it goes and frees what it has passed.
  XmlDoc owned(xmlTextReaderCurrentDoc(reader.get()));
  XmlDocument doc = XmlDocument::borrow(owned.get());
  while (status == 1) {
    if (xmlTextReaderDepth(reader.get()) != 1 || xmlTextReaderNodeType(reader.get()) != XML_READER_TYPE_ELEMENT) {
      status = xmlTextReaderRead(reader.get());
      continue;
    }
    xmlNodePtr node = xmlTextReaderExpand(reader.get());
    if (!node) break;
    std::string kind = reinterpret_cast<const char*>(node->name);
    if (kind == "domain") {
      // Domains in a node file start running unless their runstate says otherwise.
      std::string state = doc.text("test:runstate", node).value_or(std::to_string(VIR_DOMAIN_RUNNING));
      visit({HostObject::Type::Domain, childText(node, "name"), "", isRunning(std::atoi(state.c_str())), doc, node});
    } else if (kind == "network") {
      visit({HostObject::Type::Network, childText(node, "name"), "", true, doc, node});
    } else if (kind == "pool") {
      std::string pool = childText(node, "name");
      for (xmlNodePtr child = node->children; child; child = child->next)
        if (child->type == XML_ELEMENT_NODE && xmlStrEqual(child->name, BAD_CAST "volume"))
          visit({HostObject::Type::Volume, childText(child, "name"), pool, true, doc, child});
    }
    status = xmlTextReaderNext(reader.get());
  }
  if (status < 0) throw Error("cannot parse " + file);
}

}  // namespace vdc::libvirt
