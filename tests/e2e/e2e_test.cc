// End to end on a real datacenter: libvirtd with QEMU, its networks and a
// dir storage pool, started by scripts/e2e.sh, which also builds the guest
// image (scripts/guest-image.sh) and passes its path in VDC_E2E_GUEST. What
// the guests see is read from their serial consoles, which their init
// reports to as "vdc-guest: ..." lines.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <regex>
#include <thread>

#include "engine/hash.h"
#include "tests/cli_support.h"

namespace vdc::testing {

namespace {

namespace fs = std::filesystem;

constexpr const char* kUri = "qemu:///system";
constexpr const char* kPool = "vdc-e2e";
constexpr const char* kVdc = "e2e";

std::string guestImage() {
  const char* path = std::getenv("VDC_E2E_GUEST");
  return path ? path : "";
}

Result virsh(const std::string& command) { return shell(fs::temp_directory_path(), std::string("virsh -q -c ") + kUri + " " + command); }

// Every line that names an object of the e2e VDC, of every kind vdc makes.
std::string leftovers() {
  std::string found;
  for (const char* list : {"list --all --name", "net-list --all --name", "vol-list vdc-e2e", "nwfilter-list"}) {
    std::istringstream lines(virsh(list).out);
    for (std::string line; std::getline(lines, line);)
      if (line.find(std::string(kVdc) + ".") != std::string::npos) found += line + "\n";
  }
  return found;
}

std::string consoleLog(const std::string& instance) {
  return "/var/log/libvirt/qemu/" + std::string(kVdc) + "." + instance + ".console.log";
}

class RealDatacenter : public ::testing::Test {
 protected:
  void SetUp() override {
    if (guestImage().empty()) GTEST_SKIP() << "VDC_E2E_GUEST is not set: run scripts/e2e.sh";
    ASSERT_EQ(virsh("version").exit, 0) << "no libvirtd at " << kUri << ": run scripts/e2e.sh";
    // The storage pool is the datacenter's, not the VDC's: made here once.
    if (virsh(std::string("pool-info ") + kPool).exit != 0) {
      fs::create_directories("/var/lib/vdc/pools/vdc-e2e");
      ASSERT_EQ(virsh("pool-define-as vdc-e2e dir --target /var/lib/vdc/pools/vdc-e2e").exit, 0);
    }
    if (virsh(std::string("pool-info ") + kPool).out.find("running") == std::string::npos) {
      ASSERT_EQ(virsh(std::string("pool-start ") + kPool).exit, 0);
    }
    fs::create_directories(dir.path() / "vdc");
    fs::copy_file(guestImage(), dir.path() / "vdc" / "guest.img");
    writeFile(dir.path() / "target.yaml",
              "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: e2e}\nspec:\n  hosts:\n    - uri: qemu:///system\n"
              "  storageClasses:\n    standard: {pool: vdc-e2e}\n");
    writeVdc();
    vdc(dir.path(), "destroy vdc --target target.yaml --auto-approve");  // what a failed run left
    ASSERT_EQ(leftovers(), "");
    for (const char* instance : {"web", "app", "db"}) fs::remove(consoleLog(instance));
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
metadata: {name: web}
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
      echo "vdc-guest: probe $(probe web 10.91.1.3 80) $(probe web 10.91.1.3 8080) $(probe db 10.91.2.3 5432) $(probe db 10.91.2.3 22)"
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
)yaml");
  }

  Result run(const std::string& command) { return vdc(dir.path(), command + " vdc --target target.yaml"); }

  // What the guest reported on its console so far, across boots.
  std::vector<std::string> consoleLines(const std::string& instance) {
    std::vector<std::string> lines;
    std::istringstream in(readFile(consoleLog(instance)));
    for (std::string line; std::getline(in, line);) {
      auto at = line.find("vdc-guest: ");
      if (at == std::string::npos) continue;
      line = line.substr(at + 11);
      if (!line.empty() && line.back() == '\r') line.pop_back();  // a serial console ends lines with CR LF
      lines.push_back(line);
    }
    return lines;
  }

  // The guest's console lines once it has said "ready" (empty when it never does).
  std::vector<std::string> waitForGuest(const std::string& instance, std::chrono::seconds limit) {
    return waitForLine(instance, "ready", limit) ? consoleLines(instance) : std::vector<std::string>{};
  }

  // Waits for `line` among the console lines after the first `after`.
  bool waitForLine(const std::string& instance, const std::string& line, std::chrono::seconds limit,
                   size_t after = 0) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      auto lines = consoleLines(instance);
      if (std::find(lines.begin() + std::min(after, lines.size()), lines.end(), line) != lines.end()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return false;
  }

  // NIC name -> "ADDRESS/PREFIX mac MAC" as the guest reported it.
  std::map<std::string, std::string> addresses(const std::vector<std::string>& lines) {
    std::map<std::string, std::string> found;
    std::regex address(R"(^address (\S+) (.*)$)");
    std::smatch m;
    for (const auto& line : lines)
      if (std::regex_search(line, m, address)) found[m[1]] = m[2];
    return found;
  }

  TempDir dir;
};

}  // namespace

TEST_F(RealDatacenter, AVdcRunsOnRealHostsAsItsManifestsSayAndGoesAwayWhole) {
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
  EXPECT_TRUE(waitForLine("app", "probe web:80=ok web:8080=fail db:5432=ok db:22=fail", seconds))
      << readFile(consoleLog("app"));
  EXPECT_TRUE(waitForLine("web", "probe db:5432=fail", seconds));

  // A change to a group: planned as its update, applied without a restart, and the traffic passes.
  writeVdc(R"([{protocol: tcp, ports: "80"}, {protocol: tcp, ports: "8080"}])");
  Result change = run("plan --detailed-exitcode");
  EXPECT_EQ(change.exit, 2) << change.out << change.err;
  EXPECT_NE(change.out.find("   ~ SecurityGroup/web\n"), std::string::npos) << change.out;
  EXPECT_NE(change.out.find("0 to create, 1 to update, 0 to replace, 0 to delete"), std::string::npos) << change.out;
  size_t seen = consoleLines("app").size();
  Result applied = run("apply --auto-approve");
  ASSERT_EQ(applied.exit, 0) << applied.out << applied.err;
  EXPECT_TRUE(waitForLine("app", "probe web:80=ok web:8080=ok db:5432=ok db:22=fail", seconds, seen))
      << readFile(consoleLog("app"));

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
  EXPECT_EQ(leftovers(), "");
}

}  // namespace vdc::testing

namespace vdc::testing {

// The same kind of VDC on Open vSwitch: its network is an OVS bridge (the
// userspace datapath on this machine), created and removed through OVSDB,
// and its security group is OpenFlow rules on it.
TEST_F(RealDatacenter, OnOpenVSwitchGroupsAreFlowsOnABridgeThatGoesAwayWithTheVdc) {
  writeFile(dir.path() / "ovs-target.yaml",
            "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: e2e-ovs}\nspec:\n  hosts:\n    - uri: qemu:///system\n"
            "  switch: {type: ovs, datapathType: netdev}\n  storageClasses:\n    standard: {pool: vdc-e2e}\n");
  fs::create_directories(dir.path() / "ovs");
  fs::copy_file(dir.path() / "vdc" / "guest.img", dir.path() / "ovs" / "guest.img");
  std::string sha = sha256Hex(readFile(dir.path() / "ovs" / "guest.img"));
  auto writeOvsVdc = [&](const std::string& ingress) {
  writeFile(dir.path() / "ovs" / "vdc.yaml", R"yaml(apiVersion: vdc/v1
kind: VirtualDataCenter
metadata: {name: e2eovs}
---
apiVersion: vdc/v1
kind: SecurityGroup
metadata: {name: server}
spec: {ingress: )yaml" + ingress + R"yaml(}
---
apiVersion: vdc/v1
kind: Network
metadata: {name: lan}
spec: {cidr: 10.93.1.0/24}
---
apiVersion: vdc/v1
kind: Image
metadata: {name: guest}
spec: {source: guest.img, format: raw, sha256: )yaml" + sha + R"yaml(}
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: server}
spec:
  memory: 192MiB
  hypervisor: qemu
  image: guest
  interfaces: [{network: lan, securityGroups: [server]}]
  userData: |
    #!/bin/sh
    mkdir -p /www && echo hello > /www/index.html && httpd -p 80 -h /www && httpd -p 8080 -h /www
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: client}
spec:
  memory: 192MiB
  hypervisor: qemu
  image: guest
  interfaces: [{network: lan}]
  userData: |
    #!/bin/sh
    probe() { if echo | nc -w 2 10.93.1.3 $1 >/dev/null 2>&1; then echo "server:$1=ok"; else echo "server:$1=fail"; fi; }
    while true; do echo "vdc-guest: probe $(probe 80) $(probe 8080)"; sleep 2; done
)yaml");
  };
  writeOvsVdc(R"([{protocol: tcp, ports: "80"}])");
  auto ovsRun = [&](const std::string& command) { return vdc(dir.path(), command + " ovs --target ovs-target.yaml"); };
  auto bridges = [&] { return shell(dir.path(), "ovs-vsctl --bare --columns=name find Bridge external_ids:vdc-vdc=e2eovs").out; };
  ovsRun("destroy --auto-approve");
  for (const char* instance : {"server", "client"}) fs::remove("/var/log/libvirt/qemu/e2eovs." + std::string(instance) + ".console.log");

  Result apply = ovsRun("apply --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;
  EXPECT_EQ(ovsRun("plan --detailed-exitcode").exit, 0);
  EXPECT_NE(bridges(), "");
  auto console = [](const std::string& instance) {
    return readFile("/var/log/libvirt/qemu/e2eovs." + instance + ".console.log");
  };
  // Planned addresses from the seed, and traffic across the bridge as the group says.
  auto waitFor = [&](const std::string& text, size_t after) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
    while (console("client").find(text, after) == std::string::npos && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::seconds(1));
    return console("client").find(text, after) != std::string::npos;
  };
  EXPECT_TRUE(waitFor("probe server:80=ok server:8080=fail", 0)) << console("client");
  EXPECT_NE(console("client").find("address eth0 10.93.1.2/24"), std::string::npos) << console("client");
  // The group opens 8080: an update of the group, and of the flows only.
  writeOvsVdc(R"([{protocol: tcp, ports: "80"}, {protocol: tcp, ports: "8000-8099"}])");
  Result change = ovsRun("plan --detailed-exitcode");
  EXPECT_EQ(change.exit, 2) << change.out << change.err;
  EXPECT_NE(change.out.find("0 to create, 1 to update, 0 to replace, 0 to delete"), std::string::npos) << change.out;
  size_t seen = console("client").size();
  ASSERT_EQ(ovsRun("apply --auto-approve").exit, 0);
  EXPECT_TRUE(waitFor("probe server:80=ok server:8080=ok", seen)) << console("client");

  Result destroy = ovsRun("destroy --auto-approve");
  ASSERT_EQ(destroy.exit, 0) << destroy.out << destroy.err;
  EXPECT_EQ(bridges(), "");
  EXPECT_EQ(virsh("list --all --name").out.find("e2eovs."), std::string::npos);
}

}  // namespace vdc::testing
