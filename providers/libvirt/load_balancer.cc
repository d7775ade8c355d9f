#include "providers/libvirt/load_balancer.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "engine/host_files.h"

namespace vdc::libvirt {

namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxCertificateBytes = 1 << 20;

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
bool isPem(const std::string& text) {
  bool inside = false, any = false;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("-----BEGIN ") && line.ends_with("-----") && !inside) {
      inside = any = true;
    } else if (line.starts_with("-----END ") && line.ends_with("-----") && inside) {
      inside = false;
    } else if (inside) {
      if (line.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") !=
          std::string_view::npos)
        return false;
    } else if (!line.empty()) {
      return false;
    }
  }
  return any && !inside;
}

std::string applianceUserData(const Json& spec, const HostFileRule& files) {
  std::string script =
      "#!/bin/sh\n"
      "# Written by vdc: the configuration of this load balancer's HAProxy.\n"
      "mkdir -p /etc/haproxy/certs\n"
      "cat > /etc/haproxy/haproxy.cfg <<'VDC_HAPROXY_CFG'\n" +
      haproxyConfig(spec) + "VDC_HAPROXY_CFG\n";
  for (const auto& listener : member(spec, "listeners")) {
    if (!terminatesTls(listener)) continue;
    std::string named = listener["certificate"].get<std::string>();
    std::string where = " of listener " + std::to_string(listener.value("port", 0));
    std::string pem;
    try {
      pem = readHostFile(files, named, kMaxCertificateBytes);
    } catch (const Error& e) {
      throw Error("certificate" + where + ": " + e.message());
    }
    // Its contents are never shown: the name may be of a file that is no certificate.
    if (!isPem(pem)) throw Error("certificate " + named + where + " is not PEM (a certificate and its key)");
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
