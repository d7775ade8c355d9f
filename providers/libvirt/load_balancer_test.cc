// The load balancer appliance's configuration, generated from a planned spec.
#include <gtest/gtest.h>

#include "engine/test_support.h"
#include "providers/libvirt/load_balancer.h"

namespace vdc::libvirt {

namespace {

Json plannedSpec() {
  return Json::parse(R"({
    "network": "front", "address": "10.0.1.9",
    "listeners": [{"port": 80, "protocol": "http", "backendPort": 8080},
                  {"port": 5432, "protocol": "tcp", "backendPort": 5432},
                  {"port": 443, "protocol": "https", "backendPort": 8080, "certificate": "tls/shop.pem"}],
    "backends": {"selector": {"tier": "web"}, "members": ["web-0", "web-1"],
                 "addresses": ["10.0.1.2", "10.0.1.3"]}})");
}

}  // namespace

TEST(LoadBalancer, EachListenerIsAFrontendWithARoundRobinBackendOfTheMembers) {
  std::string config = haproxyConfig(plannedSpec());
  EXPECT_NE(config.find("frontend port80\n    bind :80\n    mode http\n    default_backend port80\n"
                        "backend port80\n    mode http\n    balance roundrobin\n"
                        "    server web-0 10.0.1.2:8080 check\n    server web-1 10.0.1.3:8080 check\n"),
            std::string::npos)
      << config;
  EXPECT_NE(config.find("frontend port5432\n    bind :5432\n    mode tcp\n"), std::string::npos) << config;
  // TLS ends at the appliance; the backends speak HTTP.
  EXPECT_NE(config.find("frontend port443\n    bind :443 ssl crt /etc/haproxy/certs/443.pem\n    mode http\n"),
            std::string::npos)
      << config;
  EXPECT_NE(config.find("    server web-1 10.0.1.3:8080 check\n"), std::string::npos);
}

TEST(LoadBalancer, HttpsWithoutACertificatePassesConnectionsThrough) {
  Json spec = plannedSpec();
  spec["listeners"] = Json::parse(R"([{"port": 443, "protocol": "https", "backendPort": 443}])");
  std::string config = haproxyConfig(spec);
  EXPECT_NE(config.find("bind :443\n    mode tcp\n"), std::string::npos) << config;
  EXPECT_EQ(config.find("ssl"), std::string::npos) << config;
}

TEST(LoadBalancer, UserDataWritesTheConfigurationAndCertificatesThenStartsHaproxy) {
  testing::TempDir dir;
  dir.write("shop/tls/shop.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----");
  std::string script = applianceUserData(plannedSpec(), HostFileRule{(dir.path() / "shop").string()});
  EXPECT_TRUE(script.starts_with("#!/bin/sh\n"));
  EXPECT_NE(script.find("cat > /etc/haproxy/haproxy.cfg <<'VDC_HAPROXY_CFG'\n" + haproxyConfig(plannedSpec()) +
                        "VDC_HAPROXY_CFG\n"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("cat > /etc/haproxy/certs/443.pem <<'VDC_CERTIFICATE'\n-----BEGIN CERTIFICATE-----\nMIIB\n"
                        "-----END CERTIFICATE-----\nVDC_CERTIFICATE\n"),
            std::string::npos)
      << script;
  EXPECT_NE(script.find("haproxy -D -p /run/haproxy.pid -f /etc/haproxy/haproxy.cfg"), std::string::npos);
  try {
    applianceUserData(plannedSpec(), HostFileRule{(dir.path() / "elsewhere").string()});
    FAIL() << "a missing certificate was not noticed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("certificate of listener 443: cannot read tls/shop.pem"), std::string::npos)
        << e.what();
  }
}

// Whatever a certificate's file holds goes into the guest's seed inside a
// heredoc: only PEM is taken, and what is refused is never shown.
TEST(LoadBalancer, ACertificateThatIsNotPemIsRefusedUnshown) {
  testing::TempDir dir;
  for (const std::string& text :
       {std::string("root:$6$secret:19000:0:99999:7:::\n"),
        std::string("-----BEGIN CERTIFICATE-----\nMIIB\nVDC_CERTIFICATE\nreboot\n-----END CERTIFICATE-----\n"),
        std::string("-----BEGIN CERTIFICATE-----\nMIIB\n"), std::string(""),
        std::string("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\nsecret trailer\n")}) {
    dir.write("shop/tls/shop.pem", text);
    try {
      applianceUserData(plannedSpec(), HostFileRule{(dir.path() / "shop").string()});
      ADD_FAILURE() << "taken: " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("is not PEM"), std::string::npos) << e.what();
      EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(isPem("-----BEGIN CERTIFICATE-----\nMIIB+/=\n-----END CERTIFICATE-----\n"
                    "-----BEGIN PRIVATE KEY-----\r\nMIIE\r\n-----END PRIVATE KEY-----\n"));
}

}  // namespace vdc::libvirt
