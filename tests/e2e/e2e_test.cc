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
  for (const char* list : {"list --all --name", "net-list --all --name", "vol-list vdc-e2e"}) {
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

  void writeVdc() {
    std::string sha = sha256Hex(readFile(dir.path() / "vdc" / "guest.img"));
    writeFile(dir.path() / "vdc" / "vdc.yaml", R"(apiVersion: vdc/v1
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
kind: Image
metadata: {name: guest}
spec: {source: guest.img, format: raw, sha256: )" + sha + R"(}
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
  interfaces: [{network: front}]
  keyPairs: [ops]
  userData: |
    #!/bin/sh
    echo "vdc-guest: user-data on $(hostname) says hello"
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: app}
spec: {memory: 192MiB, hypervisor: qemu, image: guest, interfaces: [{network: front}, {network: back}]}
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: db}
spec: {memory: 192MiB, hypervisor: qemu, image: guest, interfaces: [{network: back}], volumes: [{volume: data}]}
)");
  }

  Result run(const std::string& command) { return vdc(dir.path(), command + " vdc --target target.yaml"); }

  // The guest's console lines once it has said "ready" (empty when it never does).
  std::vector<std::string> waitForGuest(const std::string& instance, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      std::string log = readFile(consoleLog(instance));
      if (log.find("vdc-guest: ready") != std::string::npos) {
        std::vector<std::string> lines;
        std::istringstream in(log);
        for (std::string line; std::getline(in, line);) {
          auto at = line.find("vdc-guest: ");
          if (at == std::string::npos) continue;
          line = line.substr(at + 11);
          if (!line.empty() && line.back() == '\r') line.pop_back();  // a serial console ends lines with CR LF
          lines.push_back(line);
        }
        return lines;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return {};
  }

  bool waitForLine(const std::string& instance, const std::string& line, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      auto lines = waitForGuest(instance, std::chrono::seconds(1));
      if (std::find(lines.begin(), lines.end(), line) != lines.end()) return true;
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

TEST_F(RealDatacenter, AVdcBootsOnRealHostsAndGoesAwayWhole) {
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

  Result destroy = run("destroy --auto-approve");
  ASSERT_EQ(destroy.exit, 0) << destroy.out << destroy.err;
  EXPECT_EQ(leftovers(), "");
}

}  // namespace vdc::testing
