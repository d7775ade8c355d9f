#include "providers/libvirt/load_balancer.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/error.h"

namespace vdc::libvirt {

namespace {

namespace fs = std::filesystem;

std::string certificatePath(const Json& listener) {
  return "/etc/haproxy/certs/" + std::to_string(listener.value("port", 0)) + ".pem";
}

bool terminatesTls(const Json& listener) {
  return listener.value("protocol", "tcp") == "https" && listener.contains("certificate");
}

}  // namespace

std::string haproxyConfig(const Json& spec) {
  std::ostringstream out;
  out << "# Written by vdc for this load balancer; changes here are replaced on its next update.\n"
         "global\n"
         "    maxconn 4096\n"
         "defaults\n"
         "    timeout connect 5s\n"
         "    timeout client 60s\n"
         "    timeout server 60s\n";
  const Json& backends = member(spec, "backends");
  const Json& members = member(backends, "members");
  const Json& addresses = member(backends, "addresses");
  for (const auto& listener : member(spec, "listeners")) {
    int port = listener.value("port", 0);
    int backendPort = listener.value("backendPort", port);
    std::string protocol = listener.value("protocol", "tcp");
    std::string mode = protocol == "http" || terminatesTls(listener) ? "http" : "tcp";
    std::string name = "port" + std::to_string(port);
    out << "\nfrontend " << name << "\n"
        << "    bind :" << port << (terminatesTls(listener) ? " ssl crt " + certificatePath(listener) : "") << "\n"
        << "    mode " << mode << "\n"
        << "    default_backend " << name << "\n"
        << "backend " << name << "\n"
        << "    mode " << mode << "\n"
        << "    balance roundrobin\n";
    for (size_t i = 0; i < addresses.size() && i < members.size(); ++i)
      out << "    server " << members[i].get<std::string>() << " " << addresses[i].get<std::string>() << ":"
          << backendPort << " check\n";
  }
  return out.str();
}

// Heredocs with quoted delimiters: nothing in the files is expanded.
std::string applianceUserData(const Json& spec, const std::string& directory) {
  std::string script =
      "#!/bin/sh\n"
      "# Written by vdc: the configuration of this load balancer's HAProxy.\n"
      "mkdir -p /etc/haproxy/certs\n"
      "cat > /etc/haproxy/haproxy.cfg <<'VDC_HAPROXY_CFG'\n" +
      haproxyConfig(spec) + "VDC_HAPROXY_CFG\n";
  for (const auto& listener : member(spec, "listeners")) {
    if (!terminatesTls(listener)) continue;
    fs::path file = listener["certificate"].get<std::string>();
    if (file.is_relative()) file = fs::path(directory) / file;
    std::ifstream in(file);
    if (!in.is_open())
      throw Error("cannot read certificate " + file.string() + " of listener " +
                  std::to_string(listener.value("port", 0)));
    std::stringstream read;
    read << in.rdbuf();
    std::string pem = read.str();
    if (!pem.empty() && pem.back() != '\n') pem += '\n';
    script += "cat > " + certificatePath(listener) + " <<'VDC_CERTIFICATE'\n" + pem + "VDC_CERTIFICATE\n" +
              "chmod 600 " + certificatePath(listener) + "\n";
  }
  // An image without HAProxy (a stock Debian cloud image) installs it; under
  // systemd it runs from its unit, elsewhere as a daemon of its own.
  script +=
      "if ! command -v haproxy >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then\n"
      "  export DEBIAN_FRONTEND=noninteractive\n"
      "  apt-get update -q && apt-get install -y -q haproxy\n"
      "fi\n";
  script +=
      "if command -v systemctl >/dev/null 2>&1 && systemctl cat haproxy >/dev/null 2>&1; then\n"
      "  systemctl enable haproxy && systemctl restart haproxy\n"
      "else\n"
      "  haproxy -D -p /run/haproxy.pid -f /etc/haproxy/haproxy.cfg\n"
      "fi\n";
  return script;
}

}  // namespace vdc::libvirt
