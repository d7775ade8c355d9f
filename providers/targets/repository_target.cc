#include "providers/targets/repository_target.h"

#include <algorithm>
#include <filesystem>

#include "base/text.h"
#include "providers/libvirt/api/uri.h"

namespace vdc {

namespace fs = std::filesystem;

namespace {

// A DNS name (letters, digits, '-' inside labels, dots between) or an
// IPv4 address; an IPv6 address (its URI writes it in brackets). Never a
// word ssh would take for an option.
bool isHostName(const std::string& host) {
  if (host.empty() || host.size() > 253) return false;
  if (host.find(':') != std::string::npos)
    return host.size() <= 45 && host.find_first_not_of("0123456789abcdefABCDEF:.") == std::string::npos;
  size_t start = 0;
  while (start <= host.size()) {
    size_t end = std::min(host.find('.', start), host.size());
    std::string_view label(host.data() + start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    start = end + 1;
  }
  return true;
}

// A login name as ssh and useradd take one.
bool isUserName(const std::string& user) {
  if (user.empty() || user.size() > 32 || user.front() == '-') return false;
  return std::all_of(user.begin(), user.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '-' || c == '.';
  });
}

// The host of a libvirt URI or an http(s) URL; none when it has none (a local URI) or is no URI.
std::optional<std::string> hostOf(const std::string& uri) {
  auto parsed = libvirt::parseConnectionUri(uri);
  if (!parsed || parsed->host.empty()) return std::nullopt;
  return lowerCase(parsed->host);
}

}  // namespace

bool HostAllowList::allows(const std::string& uri) const {
  auto host = hostOf(uri);
  return std::any_of(entries_.begin(), entries_.end(), [&](const std::string& entry) {
    if (entry.find("://") != std::string::npos) return entry == uri;
    bool bracketed = entry.size() > 2 && entry.front() == '[' && entry.back() == ']';
    return host && lowerCase(bracketed ? entry.substr(1, entry.size() - 2) : entry) == *host;
  });
}

std::vector<std::string> allowListProblems(const std::vector<std::string>& entries) {
  std::vector<std::string> problems;
  for (const auto& entry : entries) {
    if (entry.find("://") == std::string::npos) {
      std::string host = entry.size() > 2 && entry.front() == '[' ? entry.substr(1, entry.size() - 2) : entry;
      if (!isHostName(host))
        problems.push_back("allowed host '" + printable(entry) + "' is neither a host name, an address nor a URI");
    } else if (!entry.starts_with("http://") && !entry.starts_with("https://")) {
      for (const auto& problem : untrustedUriProblems(entry))
        problems.push_back("allowed host '" + printable(entry) + "' could never be used: " + problem);
    }
  }
  return problems;
}

std::vector<std::string> untrustedUriProblems(const std::string& text) {
  std::string shown = printable(text.substr(0, 200));
  auto uri = libvirt::parseConnectionUri(text);
  if (!uri || !uri->hasAuthority) return {"host URI '" + shown + "' is not a libvirt URI (driver[+transport]://[user@]host[:port]/system)"};
  std::vector<std::string> problems;
  auto refuse = [&](const std::string& why) { problems.push_back("host URI '" + shown + "': " + why); };
  if (text.find('%') != std::string::npos) refuse("escapes (%) are not taken");
  if (uri->driver != "qemu" && uri->driver != "lxc")
    refuse("driver '" + printable(uri->driver) + "' is not one a Target from a repository may use (qemu, lxc)");
  static const std::vector<std::string> kTransports{"", "tls", "tcp", "ssh", "libssh", "libssh2"};
  if (std::find(kTransports.begin(), kTransports.end(), uri->transport) == kTransports.end())
    refuse("transport '" + printable(uri->transport) +
           "' could make libvirt run or open something on this machine (tls, tcp, ssh, libssh, libssh2 are taken)");
  if (!uri->user.empty() && !isUserName(uri->user)) refuse("'" + printable(uri->user) + "' is not a user name");
  if (!uri->host.empty() && !isHostName(uri->host)) refuse("'" + printable(uri->host) + "' is not a host name or address");
  if (uri->host.empty() && !uri->transport.empty())
    refuse("transport '" + printable(uri->transport) + "' needs a host");
  if (uri->port > 65535) refuse("port " + std::to_string(uri->port) + " is out of range");
  if (uri->path != "/system" && uri->path != "/session" && uri->path != "/" && !uri->path.empty())
    refuse("path '" + printable(uri->path) + "' is not /system");
  if (!uri->query.empty() || text.find('?') != std::string::npos)
    refuse("parameters (?" + printable(uri->query.substr(0, 80)) +
           ") choose how libvirt connects, which a Target from a repository may not");
  if (!uri->fragment.empty() || text.find('#') != std::string::npos) refuse("a fragment (#) is not taken");
  return problems;
}

// What an http(s) URL from an untrusted Target may not be: one whose host
// is no host name or address, or that hides its host behind escapes or a
// user (parsers disagree on those).
std::vector<std::string> untrustedUrlProblems(const std::string& what, const std::string& url) {
  auto parsed = libvirt::parseConnectionUri(url);
  std::string authority = url.substr(0, url.find('/', url.find("://") + 3));
  if (!parsed || (parsed->driver != "http" && parsed->driver != "https") || !parsed->transport.empty() ||
      !isHostName(parsed->host) || !parsed->user.empty() || authority.find('%') != std::string::npos)
    return {what + " '" + printable(url.substr(0, 200)) + "' is not an http(s) URL of a host name or address"};
  return {};
}

std::vector<std::string> repositoryTargetProblems(const TargetSpec& target, const std::string& repository,
                                                  const HostAllowList& allowed) {
  std::vector<std::string> problems;
  fs::path root = fs::weakly_canonical(fs::absolute(repository));
  auto inside = [&](const std::string& path) {
    auto relative = fs::weakly_canonical(fs::absolute(path)).lexically_relative(root);
    return !relative.empty() && *relative.begin() != "..";
  };
  auto notAllowed = [&](const std::string& what, const std::string& uri) {
    problems.push_back(what + " '" + printable(uri.substr(0, 200)) +
                       "' is not a host this machine allows (its operator allows hosts with vdc watch --allow-host "
                       "or a ServeConfig's allowedHosts)");
  };
  bool embedded = !target.embeddedPath.empty();
  for (const auto& host : target.hosts) embedded = embedded || !host.embeddedPath.empty();
  if (embedded)
    problems.push_back("it names an embedded datacenter, a file this machine would write: a Target from a repository "
                       "names hosts by URI (pass an embedded datacenter's Target with --target)");
  for (const auto& host : target.hosts) {
    if (host.uri.empty()) continue;
    auto wrong = untrustedUriProblems(host.uri);
    problems.insert(problems.end(), wrong.begin(), wrong.end());
    if (wrong.empty() && !allowed.allows(host.uri)) notAllowed("host URI", host.uri);
  }
  // An ovs switch is the Open vSwitch of the machine vdc runs on: its operator's, not the repository's.
  const TargetSpec defaults;
  if (target.switchType != defaults.switchType || target.ovsSocket != defaults.ovsSocket ||
      target.ovsDatapath != defaults.ovsDatapath)
    problems.push_back("its switch is this machine's to choose (an ovs switch drives this machine's Open vSwitch): a "
                       "Target from a repository leaves 'switch' out");
  const std::string& source = target.loadBalancer.source;
  bool remote = source.starts_with("http://") || source.starts_with("https://");
  auto wrongUrl = remote ? untrustedUrlProblems("its appliance image", source) : std::vector<std::string>{};
  problems.insert(problems.end(), wrongUrl.begin(), wrongUrl.end());
  if (remote && wrongUrl.empty() && !allowed.allows(source)) notAllowed("its appliance image", source);
  else if (!remote && source.find("://") != std::string::npos && !source.starts_with("file://"))
    problems.push_back("its appliance image " + printable(source) + " is neither a file nor an http(s) URL");
  else if (!remote && !source.empty() && !inside(source.starts_with("file://") ? source.substr(7) : source))
    problems.push_back("its appliance image " + printable(source) + " is outside the repository");
  for (const auto& path : target.allowedPaths)
    if (!inside(path)) problems.push_back("its allowedPaths entry " + printable(path) + " is outside the repository");
  if (target.etcd) {
    for (const auto& endpoint : target.etcd->endpoints) {
      auto wrong = untrustedUrlProblems("its etcd endpoint", endpoint);
      problems.insert(problems.end(), wrong.begin(), wrong.end());
      if (wrong.empty() && !allowed.allows(endpoint)) notAllowed("its etcd endpoint", endpoint);
    }
    for (const std::string* file : {&target.etcd->ca, &target.etcd->cert, &target.etcd->key})
      if (!file->empty() && !inside(*file))
        problems.push_back("its etcd TLS file " + printable(*file) + " is outside the repository");
  }
  return problems;
}

}  // namespace vdc
