#include "providers/libvirt/api/handles.h"

#include <mutex>

namespace vdc::libvirt {

bool isTransient(int code, int domain) {
  if (code == VIR_ERR_NO_CONNECT || code == VIR_ERR_RPC || code == VIR_ERR_OPERATION_TIMEOUT ||
      code == VIR_ERR_AGENT_UNRESPONSIVE)
    return true;
  // A lost connection is reported as a system or internal error of the RPC
  // layer; elsewhere those are an errno (no space, no access) or a fault of
  // the call, which a retry does not mend.
  bool connection = domain == VIR_FROM_RPC || domain == VIR_FROM_REMOTE;
  return connection && (code == VIR_ERR_SYSTEM_ERROR || code == VIR_ERR_INTERNAL_ERROR);
}

Error libvirtError(const std::string& what) {
  virErrorPtr err = virGetLastError();
  std::string detail = err && err->message ? err->message : "unknown libvirt error";
  int code = err ? err->code : VIR_ERR_INTERNAL_ERROR;
  return Error(what + ": " + detail, code, isTransient(code, err ? err->domain : VIR_FROM_NONE));
}

bool isNotFound(int code) {
  return code == VIR_ERR_NO_DOMAIN || code == VIR_ERR_NO_NETWORK || code == VIR_ERR_NO_STORAGE_POOL ||
         code == VIR_ERR_NO_STORAGE_VOL || code == VIR_ERR_NO_INTERFACE || code == VIR_ERR_NO_NWFILTER;
}

bool lastErrorIsNotFound() {
  virErrorPtr err = virGetLastError();
  return err && isNotFound(err->code);
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
