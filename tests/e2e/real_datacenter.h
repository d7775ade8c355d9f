// The end-to-end tests' fixture: a real datacenter, libvirtd with QEMU and
// LXC, its networks, Open vSwitch and a dir storage pool, started by
// scripts/e2e.sh, which also builds the guest images (scripts/guest-image.sh)
// and passes the virtual machine's in VDC_E2E_GUEST (the container's,
// container.img, is beside it). Guests report what they see as
// "vdc-guest: ..." lines: a virtual machine on its serial console, whose log
// is on the host; a container in a file it serves to the tests.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engine/hash.h"
#include "tests/cli_support.h"

namespace vdc::testing {

namespace fs = std::filesystem;

inline constexpr const char* kUri = "qemu:///system";
inline constexpr const char* kPool = "vdc-e2e";

inline std::string guestImage() {
  const char* path = std::getenv("VDC_E2E_GUEST");
  return path ? path : "";
}

inline std::string containerImage() { return (fs::path(guestImage()).parent_path() / "container.img").string(); }

inline Result virsh(const std::string& command, const std::string& uri = kUri) {
  return shell(fs::temp_directory_path(), "virsh -q -c " + uri + " " + command);
}

// Every line of virsh's listings that names an object of VDC `vdc`, of every
// kind vdc makes on libvirt, with the listing it came from.
struct ListedLine {
  std::string listing, line;
};
inline std::vector<ListedLine> linesNaming(const std::string& vdc) {
  std::vector<ListedLine> found;
  for (const char* list : {"list --all --name", "net-list --all --name", "vol-list vdc-e2e", "nwfilter-list"}) {
    std::istringstream lines(virsh(list).out + virsh(list, "lxc:///system").out);
    for (std::string line; std::getline(lines, line);)
      if (line.find(vdc + ".") != std::string::npos) found.push_back({list, line});
  }
  return found;
}

// Those lines, one after another: empty when nothing of the VDC is left.
inline std::string leftovers(const std::string& vdc) {
  std::string found;
  for (const auto& listed : linesNaming(vdc)) found += listed.line + "\n";
  return found;
}

inline std::string consoleLog(const std::string& vdc, const std::string& instance) {
  return "/var/log/libvirt/qemu/" + vdc + "." + instance + ".console.log";
}

// The text of each "vdc-guest: " line.
inline std::vector<std::string> guestLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    auto at = line.find("vdc-guest: ");
    if (at == std::string::npos) continue;
    line = line.substr(at + 11);
    if (!line.empty() && line.back() == '\r') line.pop_back();  // a serial console ends lines with CR LF
    lines.push_back(line);
  }
  return lines;
}

// Asks `read` again every half second until it holds `line` past its first `after` lines.
inline bool waitForLine(const std::function<std::vector<std::string>()>& read, const std::string& line,
                        std::chrono::seconds limit, size_t after = 0) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto lines = read();
    if (std::find(lines.begin() + std::min(after, lines.size()), lines.end(), line) != lines.end()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  return false;
}

// Tries `attempt` again every 200 ms while the last result says another
// writer's lock still lives on (a killed run's, until its lease expires),
// up to `deadline`; the last result.
inline Result retryWhileLocked(Result result, const std::function<Result()>& attempt,
                               std::chrono::steady_clock::time_point deadline) {
  while (result.exit != 0 && result.err.find("is locked by") != std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    result = attempt();
  }
  return result;
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
    // The test guest has HAProxy: it is the load balancer appliance too.
    writeFile(dir.path() / "target.yaml",
              "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: e2e}\nspec:\n  hosts:\n    - uri: qemu:///system\n"
              "  storageClasses:\n    standard: {pool: vdc-e2e}\n"
              "  appliances:\n    loadBalancer: {source: " + guestImage() + ", format: raw, hypervisor: qemu}\n");
  }

  // Copies an image into the VDC directory `vdc`; returns its sha256.
  std::string stage(const std::string& image, const std::string& vdc, const std::string& as) {
    fs::create_directories(dir.path() / vdc);
    fs::copy_file(image, dir.path() / vdc / as, fs::copy_options::overwrite_existing);
    return sha256Hex(readFile(dir.path() / vdc / as));
  }

  TempDir dir;
};

}  // namespace vdc::testing
