// RAII for libvirt's C handles, and errors captured on the calling thread
// the moment a call fails (libvirt keeps them thread-local and resets them
// on the next call).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "base/error.h"
#include "base/release.h"

namespace vdc::libvirt {

using ConnectionHandle = std::unique_ptr<virConnect, Release<virConnectClose>>;
using DomainHandle = std::unique_ptr<virDomain, Release<virDomainFree>>;
using NetworkHandle = std::unique_ptr<virNetwork, Release<virNetworkFree>>;
using PoolHandle = std::unique_ptr<virStoragePool, Release<virStoragePoolFree>>;
using VolumeHandle = std::unique_ptr<virStorageVol, Release<virStorageVolFree>>;
using StreamHandle = std::unique_ptr<virStream, Release<virStreamFree>>;
using InterfaceHandle = std::unique_ptr<virInterface, Release<virInterfaceFree>>;
using FilterHandle = std::unique_ptr<virNWFilter, Release<virNWFilterFree>>;
using CString = std::unique_ptr<char, Release<free>>;  // a string libvirt allocated

// The last libvirt error of this thread as an Error about `what`, with its
// code; transient when the daemon or the connection failed, not the call.
Error libvirtError(const std::string& what);
// Whether libvirt's `code` (Error::code) says "no such object".
bool isNotFound(int code);
// Whether an error of libvirt's `code`, from its `domain` (the part of
// libvirt that raised it), may pass on a retry: the daemon or the
// connection failed, not the call.
bool isTransient(int code, int domain);
// True when the last libvirt error of this thread is "no such object".
bool lastErrorIsNotFound();

// The handle a virXLookupByY call returned; null when there is no such
// object, an Error about `what` for any other failure. Called on the
// call's result at once, so the error read is that call's.
template <typename Handle, typename Raw>
Handle lookupOrNull(Raw* found, const std::string& what) {
  Handle handle(found);
  if (!handle && !lastErrorIsNotFound()) throw libvirtError("cannot look up " + what);
  return handle;
}

// Takes a libvirt-allocated string (never null-safe on its own).
std::string takeString(char* text, const std::string& what);

// Owns an array returned by a virConnectListAll* call, elements included.
template <typename Handle, typename Raw>
std::vector<Handle> takeList(Raw* items, int count, const std::string& what) {
  if (count < 0) throw libvirtError(what);
  std::vector<Handle> out;
  out.reserve(count);
  for (int i = 0; i < count; ++i) out.emplace_back(items[i]);
  free(items);
  return out;
}

// Silences libvirt's default printing of errors to stderr (process-wide).
void quietLibvirtErrors();

}  // namespace vdc::libvirt

namespace vdc::libvirt {
// The persistent definition of a network (the test driver knows no flags).
std::string networkDefinition(virNetworkPtr network);
}  // namespace vdc::libvirt
