// What a Target from a repository (vdc watch --target-path, a served VDC's
// targetPath) may do. Its author is whoever can push, so it is untrusted:
// it never chooses how vdc reaches a host, nor a file of this machine.
// docs/targets.md, "A Target from a repository", lists the rules.
#pragma once

#include <string>
#include <vector>

#include "providers/targets/target.h"

namespace vdc {

// The hosts the operator of this machine lets a repository's Target name
// (vdc watch --allow-host, a ServeConfig's allowedHosts). An entry with
// "://" is a whole URI, matched as written; any other is a host name or
// an address, matched against the host of a URI, case aside.
class HostAllowList {
 public:
  HostAllowList() = default;
  explicit HostAllowList(std::vector<std::string> entries) : entries_(std::move(entries)) {}

  // Whether `uri` (a libvirt URI or an http(s) URL) names an allowed host.
  bool allows(const std::string& uri) const;
  const std::vector<std::string>& entries() const { return entries_; }

 private:
  std::vector<std::string> entries_;
};

// One line per problem of an allow-list entry (an operator's typo: a
// host name that is none, a URI an untrusted Target could not use anyway).
std::vector<std::string> allowListProblems(const std::vector<std::string>& entries);

// What a libvirt URI from an untrusted Target may not be, one line per
// problem: the drivers qemu and lxc; the transports tls (the default with
// a host), tcp, ssh, libssh and libssh2, or none for the local daemon; an
// optional user, a host name or address, a port; the path /system (or /,
// /session); no parameters, no fragment, no escapes. Everything else
// (ext, unix, command=, socket=, keyfile=, no_verify, ...) could make
// libvirt run or read something on this machine.
std::vector<std::string> untrustedUriProblems(const std::string& uri);

// One line per problem; none when the Target may be used. `repository` is
// the revision's tree, where its files (appliance image, allowedPaths,
// etcd TLS files) must lie. Every host it names (libvirt hosts, etcd
// endpoints, an appliance's URL) must be on `allowed`, and its switch is
// the operator's choice, not the repository's.
std::vector<std::string> repositoryTargetProblems(const TargetSpec& target, const std::string& repository,
                                                  const HostAllowList& allowed);

}  // namespace vdc
