// End to end on a real datacenter (tests/e2e/real_datacenter.h): three
// virtual machines on two networks, with security groups, a volume, a key
// pair and a load balancer appliance in front of one, seen from inside the
// guests.
#include <map>
#include <regex>

#include "tests/e2e/real_datacenter.h"

namespace vdc::testing {

namespace {

constexpr const char* kVdc = "e2e";

class VmsOnRealHosts : public RealDatacenter {
 protected:
  void SetUp() override {
    RealDatacenter::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    stage(guestImage(), "vdc", "guest.img");
    writeVdc();
    vdc(dir.path(), "destroy vdc --target target.yaml --auto-approve");  // what a failed run left
    ASSERT_EQ(leftovers(kVdc), "");
    for (const char* instance : {"web", "app", "db", "lb.front"}) fs::remove(consoleLog(instance));
  }

  void TearDown() override {
    if (!guestImage().empty()) vdc(dir.path(), "destroy vdc --target target.yaml --auto-approve");
  }

  // Two isolated networks. web serves on 80 and 8080; its group admits 80.
  // db serves on 5432 and 22; its group admits 5432 from the app group. app,
  // on both networks, probes them all every two seconds; web probes db
  // across the networks. db keeps a mark on its volume.
  void writeVdc(const std::string& webIngress = R"([{protocol: tcp, ports: "80"}])") {
    std::string sha = sha256Hex(readFile(dir.path() / "vdc" / "guest.img"));
    writeFile(dir.path() / "vdc" / "vdc.yaml", R"yaml(apiVersion: vdc/v1
kind: VirtualDataCenter
metadata: {name: e2e}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: front}
spec: {cidr: 10.91.1.0/24}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: back}
spec: {cidr: 10.91.2.0/24}
---
apiVersion: vdc/v1
kind: SecurityGroup
metadata: {name: web}
spec: {ingress: )yaml" + webIngress + R"yaml(}
---
apiVersion: vdc/v1
kind: SecurityGroup
metadata: {name: app}
spec: {}
---
apiVersion: vdc/v1
kind: SecurityGroup
metadata: {name: db}
spec: {ingress: [{protocol: tcp, ports: "5432", from: app}]}
---
apiVersion: vdc/v1
kind: Image
metadata: {name: guest}
spec: {source: guest.img, format: raw, sha256: )yaml" + sha + R"yaml(}
---
apiVersion: vdc/v1
kind: Volume
metadata: {name: data}
spec: {size: 64MiB}
---
apiVersion: vdc/v1
kind: KeyPair
metadata: {name: ops}
spec: {publicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e ops@e2e}
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: web, labels: {tier: web}}
spec:
  memory: 192MiB
  hypervisor: qemu
  image: guest
  interfaces: [{network: front, securityGroups: [web]}]
  keyPairs: [ops]
  userData: |
    #!/bin/sh
    echo "vdc-guest: user-data on $(hostname) says hello"
    mkdir -p /www && echo hello > /www/index.html
    httpd -p 80 -h /www && httpd -p 8080 -h /www
    while true; do
      if echo | nc -w 2 10.91.2.3 5432 >/dev/null 2>&1; then r=ok; else r=fail; fi
      echo "vdc-guest: probe db:5432=$r"
      sleep 2
    done
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: app}
spec:
  memory: 192MiB
  hypervisor: qemu
  image: guest
  interfaces: [{network: front}, {network: back, securityGroups: [app]}]
  userData: |
    #!/bin/sh
    probe() { if echo | nc -w 2 $2 $3 >/dev/null 2>&1; then echo "$1:$3=ok"; else echo "$1:$3=fail"; fi; }
    while true; do
      echo "vdc-guest: probe $(probe web 10.91.1.3 80) $(probe web 10.91.1.3 8080) $(probe db 10.91.2.3 5432) $(probe db 10.91.2.3 22) $(probe lb 10.91.1.4 80)"
      sleep 2
    done
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: db}
spec:
  memory: 192MiB
  hypervisor: qemu
  image: guest
  interfaces: [{network: back, securityGroups: [db]}]
  volumes: [{volume: data}]
  userData: |
    #!/bin/sh
    mkdir -p /www && echo db > /www/index.html
    httpd -p 5432 -h /www && httpd -p 22 -h /www
    if [ "$(head -c 5 /dev/vdb)" = "vdc42" ]; then echo "vdc-guest: volume kept"; else
      printf vdc42 > /dev/vdb && sync && echo "vdc-guest: volume written"; fi
---
apiVersion: vdc/v1
kind: LoadBalancer
metadata: {name: front}
spec:
  network: front
  listeners: [{port: 80, protocol: http, backendPort: 80}]
  backends: {selector: {tier: web}}
)yaml");
  }

  Result run(const std::string& command) { return vdc(dir.path(), command + " vdc --target target.yaml"); }

  static std::string consoleLog(const std::string& instance) { return testing::consoleLog(kVdc, instance); }
  // What the guest reported on its console so far, across boots.
  static std::vector<std::string> consoleLines(const std::string& instance) {
    return guestLines(readFile(consoleLog(instance)));
  }
  // Waits for `line` among the console lines after the first `after`.
  static bool waitForLine(const std::string& instance, const std::string& line, std::chrono::seconds limit,
                          size_t after = 0) {
    return testing::waitForLine([&] { return consoleLines(instance); }, line, limit, after);
  }
  // The guest's console lines once it has said "ready" (empty when it never does).
  static std::vector<std::string> waitForGuest(const std::string& instance, std::chrono::seconds limit) {
    return waitForLine(instance, "ready", limit) ? consoleLines(instance) : std::vector<std::string>{};
  }

  // NIC name -> "ADDRESS/PREFIX mac MAC" as the guest reported it.
  static std::map<std::string, std::string> addresses(const std::vector<std::string>& lines) {
    std::map<std::string, std::string> found;
    std::regex address(R"(^address (\S+) (.*)$)");
    std::smatch m;
    for (const auto& line : lines)
      if (std::regex_search(line, m, address)) found[m[1]] = m[2];
    return found;
  }
};

}  // namespace

TEST_F(VmsOnRealHosts, AVdcRunsOnRealHostsAsItsManifestsSayAndGoesAwayWhole) {
  Result apply = run("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  Result plan = run("plan --detailed-exitcode");
  EXPECT_EQ(plan.exit, 0) << plan.out << plan.err;

  std::map<std::string, std::vector<std::string>> consoles;
  for (const char* instance : {"web", "app", "db"}) {
    consoles[instance] = waitForGuest(instance, std::chrono::seconds(240));
    ASSERT_FALSE(consoles[instance].empty()) << instance << " never got ready:\n" << readFile(consoleLog(instance));
  }
  // Each NIC has the address the plan gave it, on the network the manifest puts it on.
  Result show = run("show --json");
  ASSERT_EQ(show.exit, 0) << show.err;
  std::map<std::string, std::vector<std::string>> planned;
  Json shown = Json::parse(show.out);
  for (const auto& r : shown["resources"])
    if (r["kind"] == "Instance")
      for (const auto& nic : r["spec"]["interfaces"]) planned[r["name"]].push_back(nic.value("ip", "none"));
  // In resource order (app, db, web), from the bottom of each network's lower half.
  EXPECT_EQ(planned["app"], (std::vector<std::string>{"10.91.1.2", "10.91.2.2"}));
  EXPECT_EQ(planned["db"], (std::vector<std::string>{"10.91.2.3"}));
  EXPECT_EQ(planned["web"], (std::vector<std::string>{"10.91.1.3"}));
  // The load balancer's appliance: the next address, and its members'.
  for (const auto& r : shown["resources"])
    if (r["kind"] == "LoadBalancer") {
      EXPECT_EQ(r["spec"]["address"], "10.91.1.4");
      EXPECT_EQ(r["spec"]["backends"]["addresses"], Json({"10.91.1.3"}));
    }
  for (const char* instance : {"web", "app", "db"}) {
    auto seen = addresses(consoles[instance]);
    for (size_t i = 0; i < planned[instance].size(); ++i) {
      std::string nic = "eth" + std::to_string(i);
      EXPECT_TRUE(seen[nic].starts_with(planned[instance][i] + "/24 ")) << instance << " " << nic << ": " << seen[nic];
    }
  }
  // The seed: host names, the key pair and the user-data reached the guests.
  auto has = [&](const std::string& instance, const std::string& line) {
    return std::find(consoles[instance].begin(), consoles[instance].end(), line) != consoles[instance].end();
  };
  EXPECT_TRUE(has("web", "hostname web"));
  EXPECT_TRUE(has("db", "hostname db"));
  EXPECT_TRUE(has("web", "authorized keys 1"));
  EXPECT_TRUE(has("db", "authorized keys 0"));
  EXPECT_TRUE(waitForLine("web", "user-data on web says hello", std::chrono::seconds(30)));
  // The volume is the database's second disk: 64 MiB in 512-byte sectors.
  EXPECT_TRUE(has("db", "disk vdb 131072 sectors"));

  // Security groups and isolation, as the guests see them: web admits 80 and
  // not 8080; db admits 5432 from the app group and not 22; web is on
  // another network than db and cannot reach it at all.
  auto seconds = std::chrono::seconds(90);
  EXPECT_TRUE(waitForLine("app", "probe web:80=ok web:8080=fail db:5432=ok db:22=fail lb:80=ok", seconds))
      << readFile(consoleLog("app"));
  EXPECT_TRUE(waitForLine("web", "probe db:5432=fail", seconds));
  // The appliance booted on its seed and ran its configuration.
  EXPECT_TRUE(waitForLine("lb.front", "hostname lb-front", seconds)) << readFile(consoleLog("lb.front"));
  EXPECT_TRUE(waitForLine("lb.front", "user-data started", seconds));

  // A change to a group: planned as its update, applied without a restart, and the traffic passes.
  writeVdc(R"([{protocol: tcp, ports: "80"}, {protocol: tcp, ports: "8080"}])");
  Result change = run("plan --detailed-exitcode");
  EXPECT_EQ(change.exit, 2) << change.out << change.err;
  EXPECT_NE(change.out.find("   ~ SecurityGroup/web\n"), std::string::npos) << change.out;
  EXPECT_NE(change.out.find("0 to create, 1 to update, 0 to replace, 0 to delete"), std::string::npos) << change.out;
  size_t seen = consoleLines("app").size();
  Result applied = run("apply --auto-approve");
  ASSERT_EQ(applied.exit, 0) << applied.out << applied.err;
  EXPECT_TRUE(waitForLine("app", "probe web:80=ok web:8080=ok db:5432=ok db:22=fail lb:80=ok", seconds, seen))
      << readFile(consoleLog("app"));

  // A group's filter changed on the host behind vdc's back shows as drift,
  // and the apply writes it again.
  fs::path filter = dir.path() / "db-filter.xml";
  Result edited = shell(dir.path(), "virsh -q -c qemu:///system nwfilter-dumpxml e2e.sg.db | sed s/5432/5433/g > " +
                                        filter.string() + " && virsh -q -c qemu:///system nwfilter-define " +
                                        filter.string());
  ASSERT_EQ(edited.exit, 0) << edited.err << readFile(filter);
  Result drifted = run("plan --detailed-exitcode");
  EXPECT_EQ(drifted.exit, 2) << drifted.out << drifted.err;
  EXPECT_NE(drifted.out.find("   ~ SecurityGroup/db (drift)\n      hostFilter: \"differs\" -> (none)   # drift"),
            std::string::npos)
      << drifted.out;
  ASSERT_EQ(run("apply --auto-approve").exit, 0);
  EXPECT_EQ(run("plan --detailed-exitcode").exit, 0);
  EXPECT_NE(virsh("nwfilter-dumpxml e2e.sg.db").out.find("dstportstart='5432'"), std::string::npos);

  // The volume's data survives a stop and a start.
  EXPECT_TRUE(waitForLine("db", "volume written", seconds));
  std::string manifest = readFile(dir.path() / "vdc" / "vdc.yaml");
  std::string stopped = std::regex_replace(manifest, std::regex("volumes: \\[\\{volume: data\\}\\]"),
                                           "volumes: [{volume: data}]\n  state: stopped");
  ASSERT_NE(stopped, manifest);
  writeFile(dir.path() / "vdc" / "vdc.yaml", stopped);
  Result stop = run("apply --auto-approve");
  ASSERT_EQ(stop.exit, 0) << stop.out << stop.err;
  EXPECT_NE(virsh("domstate e2e.db").out.find("shut off"), std::string::npos);
  seen = consoleLines("db").size();
  writeFile(dir.path() / "vdc" / "vdc.yaml", manifest);
  Result start = run("apply --auto-approve");
  ASSERT_EQ(start.exit, 0) << start.out << start.err;
  EXPECT_TRUE(waitForLine("db", "volume kept", std::chrono::seconds(240), seen)) << readFile(consoleLog("db"));

  Result destroy = run("destroy --auto-approve");
  ASSERT_EQ(destroy.exit, 0) << destroy.out << destroy.err;
  EXPECT_EQ(leftovers(kVdc), "");
}

}  // namespace vdc::testing
