// A LoadBalancer's appliance: a virtual machine booted from the Target's
// appliance image that runs HAProxy, configured by vdc. Its configuration
// is generated from the planned spec (listeners, backends' addresses) and
// reaches the appliance as its cloud-init user-data: a script that writes
// /etc/haproxy/haproxy.cfg (and certificates), installs HAProxy with apt
// when the image lacks it, and (re)starts it; cloud-init runs it as it runs
// any user-data script.
#pragma once

#include <string>

#include "engine/host_files.h"
#include "engine/model.h"

namespace vdc::libvirt {

// haproxy.cfg for a planned LoadBalancer spec: a frontend and a round-robin
// backend per listener. `http` is HTTP mode; `https` with a certificate
// terminates TLS and speaks HTTP to the backends; `tcp`, and `https`
// without a certificate, pass connections through.
std::string haproxyConfig(const Json& spec);

// The user-data script. Certificates are PEM files (certificate and key)
// named relative to the VDC's directory, read as `files` allows; a
// missing one, or one that is not PEM, is an Error.
std::string applianceUserData(const Json& spec, const HostFileRule& files);

// Whether `text` is PEM and nothing else: BEGIN and END lines and base64
// between them (a certificate and its key). Anything else could end the
// heredoc the seed writes it with.
bool isPem(const std::string& text);

}  // namespace vdc::libvirt
