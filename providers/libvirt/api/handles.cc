#include "providers/libvirt/api/handles.h"

#include <mutex>

namespace vdc::libvirt {

Error libvirtError(const std::string& what) {
  virErrorPtr err = virGetLastError();
  std::string detail = err && err->message ? err->message : "unknown libvirt error";
  return Error(what + ": " + detail);
}

bool lastErrorIsNotFound() {
  virErrorPtr err = virGetLastError();
  if (!err) return false;
  return err->code == VIR_ERR_NO_DOMAIN || err->code == VIR_ERR_NO_NETWORK ||
         err->code == VIR_ERR_NO_STORAGE_POOL || err->code == VIR_ERR_NO_STORAGE_VOL ||
         err->code == VIR_ERR_NO_INTERFACE || err->code == VIR_ERR_NO_NWFILTER;
}

std::string takeString(char* text, const std::string& what) {
  if (!text) throw libvirtError(what);
  CString owned(text);
  return std::string(owned.get());
}

static void ignoreError(void*, virErrorPtr) {}

void quietLibvirtErrors() {
  static std::once_flag once;
  std::call_once(once, [] {
    virInitialize();
    virSetErrorFunc(nullptr, ignoreError);
  });
}

}  // namespace vdc::libvirt

namespace vdc::libvirt {
std::string networkDefinition(virNetworkPtr network) {
  // Named first: any libvirt call made after a failure would reset the error it left.
  const char* name = virNetworkGetName(network);
  std::string what = std::string("cannot read network ") + (name ? name : "?");
  char* xml = virNetworkGetXMLDesc(network, VIR_NETWORK_XML_INACTIVE);
  if (!xml) xml = virNetworkGetXMLDesc(network, 0);
  return takeString(xml, what);
}
}  // namespace vdc::libvirt
