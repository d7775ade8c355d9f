#include "providers/libvirt/inventory.h"

#include <libxml/xmlreader.h>

#include <set>

#include "engine/error.h"
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

struct ReaderFree { void operator()(xmlTextReaderPtr p) const { xmlFreeTextReader(p); } };
struct DocFree { void operator()(xmlDocPtr p) const { xmlFreeDoc(p); } };

}  // namespace

// Which domains run comes from one listing, not one call per domain: on a
// real host each call is a round trip to the daemon.
void scanDomains(virConnectPtr connection, const HostVisitor& visit) {
  std::set<std::string> running;
  virDomainPtr* domains = nullptr;
  int n = virConnectListAllDomains(connection, &domains,
                                   VIR_CONNECT_LIST_DOMAINS_RUNNING | VIR_CONNECT_LIST_DOMAINS_PAUSED);
  for (auto& dom : takeList<DomainHandle>(domains, n, "cannot list domains")) running.insert(virDomainGetName(dom.get()));
  n = virConnectListAllDomains(connection, &domains, 0);
  for (auto& dom : takeList<DomainHandle>(domains, n, "cannot list domains")) {
    std::string name = virDomainGetName(dom.get());
    XmlDocument doc(takeString(virDomainGetXMLDesc(dom.get(), VIR_DOMAIN_XML_INACTIVE), "domain " + name), name);
    visit({HostObject::Type::Domain, name, "", running.count(name) > 0, doc, doc.root()});
  }
}

void scanConnection(virConnectPtr connection, const HostVisitor& visit) {
  scanDomains(connection, visit);
  virNetworkPtr* networks = nullptr;
  int n = virConnectListAllNetworks(connection, &networks, 0);
  for (auto& net : takeList<NetworkHandle>(networks, n, "cannot list networks")) {
    std::string name = virNetworkGetName(net.get());
    XmlDocument doc(networkDefinition(net.get()), name);
    visit({HostObject::Type::Network, name, "", virNetworkIsActive(net.get()) == 1, doc, doc.root()});
  }
  virStoragePoolPtr* pools = nullptr;
  n = virConnectListAllStoragePools(connection, &pools, 0);
  for (auto& pool : takeList<PoolHandle>(pools, n, "cannot list storage pools")) {
    std::string poolName = virStoragePoolGetName(pool.get());
    if (virStoragePoolIsActive(pool.get()) != 1) {
      XmlDocument doc(takeString(virStoragePoolGetXMLDesc(pool.get(), 0), "pool " + poolName), poolName);
      visit({HostObject::Type::Pool, poolName, poolName, false, doc, doc.root()});
      continue;
    }
    virStorageVolPtr* volumes = nullptr;
    int m = virStoragePoolListAllVolumes(pool.get(), &volumes, 0);
    for (auto& vol : takeList<VolumeHandle>(volumes, m, "cannot list volumes of pool " + poolName)) {
      std::string name = virStorageVolGetName(vol.get());
      XmlDocument doc(takeString(virStorageVolGetXMLDesc(vol.get(), 0), "volume " + name), name);
      visit({HostObject::Type::Volume, name, poolName, true, doc, doc.root()});
    }
  }
}

void scanNodeFile(const std::string& file, const HostVisitor& visit) {
  std::unique_ptr<xmlTextReader, ReaderFree> reader(
      xmlReaderForFile(file.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!reader) throw Error("cannot read " + file);
  int status = xmlTextReaderRead(reader.get());
  if (status != 1) throw Error(file + " is not a libvirt test driver node file");
  // The reader builds one document as it goes and frees what it has passed.
  std::unique_ptr<xmlDoc, DocFree> owned(xmlTextReaderCurrentDoc(reader.get()));
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
