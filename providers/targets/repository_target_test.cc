// A Target from a repository is untrusted: it names only hosts the
// operator allowed, never a transport or parameter that makes libvirt run
// or read something here, and no file outside the repository.
#include <gtest/gtest.h>

#include "engine/test_support.h"
#include "providers/targets/repository_target.h"

namespace vdc {
namespace {

using testing::TempDir;

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

TEST(UntrustedUri, TheUrisOfRealHostsAreTaken) {
  for (const char* uri : {"qemu:///system", "qemu+ssh://root@host2.example.org/system", "qemu+tcp://10.0.0.2:16509/system",
                          "qemu+tls://host2/system", "qemu://host2/system", "lxc:///", "qemu+libssh2://ops@h-2/system",
                          "qemu+ssh://[fd00::2]:2222/system", "qemu:///session"})
    EXPECT_EQ(joined(untrustedUriProblems(uri)), "") << uri;
}

// Each of these makes libvirt run a program, open a socket or read a file
// that the URI chooses, or reaches a driver vdc does not drive.
TEST(UntrustedUri, TransportsThatRunOrOpenSomethingHereAreRefused) {
  for (const char* uri : {"qemu+ext:///system?command=/tmp/x", "qemu+ext://h/system", "qemu+unix:///system",
                          "qemu+unix:///system?socket=/run/other.sock", "qemu+fd:///system", "remote+ssh://h/system"}) {
    std::string problems = joined(untrustedUriProblems(uri));
    EXPECT_NE(problems, "") << uri;
  }
  EXPECT_NE(joined(untrustedUriProblems("qemu+ext://h/system")).find("transport 'ext' could make libvirt run"),
            std::string::npos);
}

TEST(UntrustedUri, EveryParameterIsRefused) {
  for (const char* parameter : {"command=/bin/sh", "socket=/var/run/x.sock", "keyfile=/root/.ssh/id_rsa",
                                "known_hosts=/etc/shadow", "no_verify=1", "netcat=/tmp/nc", "pkipath=/etc/ssl",
                                "sshauth=privkey", "name=test:///etc/passwd", "mode=legacy", "proxy=native",
                                "no_tty=1", "tls_priority=NORMAL", "known_hosts_verify=ignore"}) {
    std::string uri = std::string("qemu+ssh://root@host2/system?") + parameter;
    std::string problems = joined(untrustedUriProblems(uri));
    EXPECT_NE(problems.find("parameters (?"), std::string::npos) << uri << ": " << problems;
  }
  EXPECT_NE(joined(untrustedUriProblems("qemu+ssh://host2/system?")), "") << "an empty query";
}

TEST(UntrustedUri, DriversAndPathsThatReadFilesHereAreRefused) {
  for (const char* uri : {"test:///etc/passwd", "test:///default", "qemu:///embed", "qemu:///embed?root=/tmp/e",
                          "qemu:///system/../../etc", "vbox:///session", "esx://h/", "lxc:///system#frag"})
    EXPECT_NE(joined(untrustedUriProblems(uri)), "") << uri;
}

// ssh takes a host or a user that starts with '-' for an option.
TEST(UntrustedUri, HostsAndUsersThatAreNoNamesAreRefused) {
  for (const char* uri : {"qemu+ssh://-oProxyCommand=x/system", "qemu+ssh://-oProxyCommand%3Dtouch%20x@h/system",
                          "qemu+ssh://a b/system", "qemu+ssh://h..x/system", "qemu+ssh://h%2Fx/system",
                          "qemu+ssh://us$er@h/system", "qemu+tcp://h:99999/system", "qemu+ssh:///system",
                          "qemu:system", "not a uri", "", "qemu+ssh://[fe80::1%25eth0]/system"})
    EXPECT_NE(joined(untrustedUriProblems(uri)), "") << uri;
}

TEST(HostAllowList, MatchesAWholeUriOrTheHostOfOne) {
  HostAllowList allowed({"host2.example.org", "qemu:///system", "10.0.0.7", "fd00::2"});
  EXPECT_TRUE(allowed.allows("qemu+ssh://root@HOST2.example.org/system"));
  EXPECT_TRUE(allowed.allows("qemu:///system"));
  EXPECT_TRUE(allowed.allows("qemu+tcp://10.0.0.7:16509/system"));
  EXPECT_TRUE(allowed.allows("qemu+ssh://[fd00::2]/system"));
  EXPECT_TRUE(HostAllowList({"[fd00::3]"}).allows("qemu+tcp://[fd00::3]:16509/system")) << "an entry in brackets";
  EXPECT_TRUE(allowed.allows("https://host2.example.org:2379"));
  EXPECT_FALSE(allowed.allows("qemu:///session")) << "a local URI is matched as written only";
  EXPECT_FALSE(allowed.allows("qemu+ssh://host3.example.org/system"));
  EXPECT_FALSE(allowed.allows("qemu+ssh://host2.example.org.evil.net/system"));
  EXPECT_FALSE(allowed.allows("qemu+ssh://evil@10.0.0.70/system"));
  EXPECT_FALSE(HostAllowList().allows("qemu:///system")) << "none is allowed by default";
}

TEST(HostAllowList, EntriesAnOperatorMistypedAreNamed) {
  EXPECT_EQ(allowListProblems({"host2", "10.0.0.2", "[fd00::2]", "qemu+ssh://h/system", "https://etcd1:2379"}),
            std::vector<std::string>{});
  std::string problems = joined(allowListProblems({"-oProxyCommand=x", "qemu+ext://h/system", "a b"}));
  EXPECT_NE(problems.find("'-oProxyCommand=x' is neither a host name"), std::string::npos) << problems;
  EXPECT_NE(problems.find("'qemu+ext://h/system' could never be used"), std::string::npos) << problems;
  EXPECT_NE(problems.find("'a b' is neither"), std::string::npos) << problems;
}

class RepositoryTarget : public ::testing::Test {
 protected:
  std::string problemsOf(const std::string& spec, const HostAllowList& allowed = HostAllowList({"host2"})) {
    dir.write("repo/target.yaml", "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: t}\nspec:\n" + spec);
    return joined(repositoryTargetProblems(readTarget(dir.str() + "/repo/target.yaml"), dir.str() + "/repo", allowed));
  }
  TempDir dir;
};

TEST_F(RepositoryTarget, NamesOnlyAllowedHosts) {
  EXPECT_EQ(problemsOf("  hosts: [{uri: 'qemu+ssh://root@host2/system'}]\n"), "");
  std::string problems = problemsOf("  hosts: [{uri: 'qemu+ssh://root@host3/system'}]\n");
  EXPECT_NE(problems.find("host URI 'qemu+ssh://root@host3/system' is not a host this machine allows"), std::string::npos)
      << problems;
  EXPECT_NE(problemsOf("  hosts: [{uri: 'qemu:///system'}]\n"), "") << "the controller's own host, unless allowed";
  EXPECT_EQ(problemsOf("  hosts: [{uri: 'qemu:///system'}]\n", HostAllowList({"qemu:///system"})), "");
  // Allowed or not, a transport that runs something is refused.
  problems = problemsOf("  hosts: [{uri: 'qemu+ext://host2/system?command=/bin/sh'}]\n",
                        HostAllowList({"host2", "qemu+ext://host2/system?command=/bin/sh"}));
  EXPECT_NE(problems.find("transport 'ext'"), std::string::npos) << problems;
}

TEST_F(RepositoryTarget, EtcdEndpointsAndApplianceUrlsAreHostsToo) {
  std::string problems = problemsOf("  hosts: [{uri: 'qemu+tcp://host2/system'}]\n"
                                    "  coordination: {etcd: {endpoints: ['http://host2:2379', 'http://169.254.169.254:80']}}\n"
                                    "  appliances: {loadBalancer: {source: 'http://internal.example/lb.qcow2'}}\n");
  EXPECT_EQ(problems.find("'http://host2:2379'"), std::string::npos) << problems;
  EXPECT_NE(problems.find("its etcd endpoint 'http://169.254.169.254:80' is not a host this machine allows"),
            std::string::npos) << problems;
  EXPECT_NE(problems.find("its appliance image 'http://internal.example/lb.qcow2' is not a host"), std::string::npos)
      << problems;
}

TEST_F(RepositoryTarget, NamesNoFileOrSocketOfThisMachine) {
  std::string problems = problemsOf(
      "  hosts: [{uri: 'qemu+tcp://host2/system'}]\n"
      "  switch: {type: ovs, socket: 'unix:/run/elsewhere.sock'}\n"
      "  allowedPaths: [../outside]\n"
      "  appliances: {loadBalancer: {source: /var/lib/secret.qcow2}}\n"
      "  coordination: {etcd: {endpoints: [https://host2:2379], tls: {ca: ca.pem, cert: /etc/vdc/client.pem, "
      "key: ../outside/key.pem}}}\n");
  for (const std::string& expected :
       {std::string("its switch is this machine's to choose"), "its allowedPaths entry " + dir.str() + "/outside",
        std::string("its appliance image /var/lib/secret.qcow2 is outside the repository"),
        std::string("its etcd TLS file /etc/vdc/client.pem is outside the repository"),
        "its etcd TLS file " + dir.str() + "/repo/../outside/key.pem is outside the repository"})
    EXPECT_NE(problems.find(expected), std::string::npos) << expected << "\n" << problems;
  EXPECT_EQ(problems.find("ca.pem"), std::string::npos) << "a file in the repository is its own";
  EXPECT_NE(problemsOf("  embedded: {path: sim.xml}\n").find("names an embedded datacenter"), std::string::npos);
  // An ovs switch on the default socket is still this machine's Open vSwitch.
  EXPECT_NE(problemsOf("  hosts: [{uri: 'qemu+tcp://host2/system'}]\n  switch: {type: ovs}\n").find("its switch is"),
            std::string::npos);
  EXPECT_NE(problemsOf("  hosts: [{uri: 'qemu+tcp://host2/system'}]\n  switch: {datapathType: netdev}\n").find("its switch is"),
            std::string::npos);
}

TEST_F(RepositoryTarget, UrlsThatHideTheirHostAreRefused) {
  for (const char* url : {"http://host2%00.evil.example:2379", "http://user@host2:2379", "http://-x:2379"}) {
    std::string problems = problemsOf("  hosts: [{uri: 'qemu+tcp://host2/system'}]\n"
                                      "  coordination: {etcd: {endpoints: ['" + std::string(url) + "']}}\n");
    EXPECT_NE(problems, "") << url;
  }
  std::string problems = problemsOf("  hosts: [{uri: 'qemu+tcp://host2/system'}]\n"
                                    "  appliances: {loadBalancer: {source: 'https://host2%2e.x/lb.qcow2'}}\n");
  EXPECT_NE(problems.find("is not an http(s) URL of a host name or address"), std::string::npos) << problems;
}

}  // namespace
}  // namespace vdc
