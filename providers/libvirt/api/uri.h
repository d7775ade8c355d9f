// A libvirt connection URI taken apart as libvirt itself takes it apart
// (libxml2's RFC 3986 parser, which libvirt's own URI code wraps):
// driver[+transport]://[user@][host][:port]/path[?parameters][#fragment].
#pragma once

#include <optional>
#include <string>

namespace vdc::libvirt {

struct ConnectionUri {
  std::string driver;     // qemu, lxc, test, ...
  std::string transport;  // tls, tcp, ssh, libssh, libssh2, unix, ext; "" when none is written
  std::string user;
  std::string host;       // an IPv6 address without its brackets
  int port = 0;           // 0 when none is written
  std::string path;
  std::string query;      // extra parameters, as written
  std::string fragment;
  bool hasAuthority = false;  // "//" follows the scheme
};

// None when `text` is not a URI libvirt would parse.
std::optional<ConnectionUri> parseConnectionUri(const std::string& text);

}  // namespace vdc::libvirt
