#include "providers/libvirt/api/uri.h"

#include <memory>

#include <libxml/uri.h>

#include "base/release.h"

namespace vdc::libvirt {

namespace {

using UriHandle = std::unique_ptr<xmlURI, Release<xmlFreeURI>>;

std::string textOf(const char* field) { return field ? field : ""; }

}  // namespace

std::optional<ConnectionUri> parseConnectionUri(const std::string& text) {
  if (text.find('\0') != std::string::npos) return std::nullopt;
  UriHandle parsed(xmlParseURI(text.c_str()));
  if (!parsed || !parsed->scheme) return std::nullopt;
  ConnectionUri uri;
  std::string scheme = parsed->scheme;
  auto plus = scheme.find('+');
  uri.driver = scheme.substr(0, plus);
  if (plus != std::string::npos) uri.transport = scheme.substr(plus + 1);
  uri.user = textOf(parsed->user);
  uri.host = textOf(parsed->server);
  if (uri.host.size() > 2 && uri.host.front() == '[' && uri.host.back() == ']') uri.host = uri.host.substr(1, uri.host.size() - 2);
  uri.port = parsed->port > 0 ? parsed->port : 0;
  uri.path = textOf(parsed->path);
  // libxml2 keeps the query raw (query_raw) when it was written with escapes.
  uri.query = parsed->query_raw ? textOf(parsed->query_raw) : textOf(parsed->query);
  uri.fragment = textOf(parsed->fragment);
  uri.hasAuthority = text.find("://") == scheme.size();
  return uri;
}

}  // namespace vdc::libvirt
