// vdc serve with the real binary, as an operator runs it: a VDC whose
// manifests are broken stalls while the others are applied, and SIGTERM in
// the middle of an apply lets it finish before the server exits (a drain).
// The API itself is tested in process (serve/serve_test.cc).
#include <gtest/gtest.h>

#include "tests/cli_support.h"
#include "tests/site_vdc.h"

namespace vdc::testing {

namespace {

namespace fs = std::filesystem;

class Serve : public ::testing::Test {
 protected:
  void SetUp() override {
    writeFile(dir.path() / "site" / "site.yaml", std::string(kSite) + kBackNetwork);
    writeFile(dir.path() / "broken" / "vdc.yaml", "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: broken}\n"
                                                  "---\napiVersion: vdc/v1\nkind: Network\nmetadata: {name: n}\n"
                                                  "spec: {cidr: 10.9.0.0/33}\n");
    writeFile(dir.path() / "serve.yaml", "apiVersion: vdc/v1\nkind: ServeConfig\nspec:\n  listen: 127.0.0.1:0\n"
                                         "  vdcs:\n    - {name: site, directory: site}\n"
                                         "    - {name: broken, directory: broken}\n");
  }

  // The server in the background, its output in serve.log; its pid.
  int startServer(const std::string& environment = "") {
    Result started = shell(dir.path(), environment + " " + VDC_BINARY + " serve --config serve.yaml >serve.log 2>&1 & echo $!");
    return std::stoi(started.out);
  }
  std::string log() { return readFile(dir.path() / "serve.log"); }
  Json status(const std::string& vdc) {
    std::string text = readFile(dir.path() / ".vdc" / "serve" / "vdcs" / vdc / "status.json");
    return text.empty() ? Json() : Json::parse(text, nullptr, false);
  }
  std::string condition(const std::string& vdc, const std::string& type) {
    Json now = status(vdc);
    if (!now.is_object()) return "";
    Json conditions = now.value("conditions", Json::array());  // held: not a temporary's member
    for (const auto& c : conditions)
      if (c["type"] == type) return c["status"];
    return "";
  }
  // Sends SIGTERM and waits until the server is gone; true when it said it stopped.
  bool stopServer(int pid) {
    terminateAndWait(pid);
    return log().find("stopped") != std::string::npos;
  }
  Json shown() {
    return Json::parse(vdc(dir.path(), "show site --json --target .vdc/serve/embedded-target.yaml").out);
  }

  TempDir dir;
};

}  // namespace

TEST_F(Serve, ABrokenVdcStallsAndTheOthersAreApplied) {
  int pid = startServer();
  ASSERT_TRUE(waitFor([&] { return condition("site", "Ready") == "True" && condition("broken", "Stalled") == "True"; },
                      std::chrono::milliseconds(20)))
      << log();
  EXPECT_TRUE(status("broken")["appliedRevision"].is_null());
  EXPECT_NE(status("broken")["lastError"]["message"].get<std::string>().find("vdc.yaml:8:14: invalid CIDR '10.9.0.0/33'"), std::string::npos)
      << status("broken").dump(2);
  EXPECT_TRUE(stopServer(pid)) << log();
  Json resources = shown()["resources"];
  EXPECT_EQ(resources.size(), 4u) << resources.dump(2);  // the VDC, two networks, the instance
}

TEST_F(Serve, SigtermInTheMiddleOfAnApplyLetsItFinish) {
  // The apply waits at its second change until the server was told to stop.
  int pid = startServer("VDC_FAULT=hold:2");
  ASSERT_EQ(stopWhileHeld(pid, [&] { return log(); }), "") << log();
  EXPECT_NE(log().find("stopped"), std::string::npos) << log();
  EXPECT_NE(log().find("stopping: waiting for the applies in flight"), std::string::npos) << log();
  EXPECT_TRUE(status("site")["appliedRevision"].is_string()) << log();
  Json resources = shown()["resources"];
  EXPECT_EQ(resources.size(), 4u) << resources.dump(2);
  // Each as the manifests want it, the VDC's record with the revision the server applied too.
  for (const auto& r : resources) EXPECT_EQ(r["status"], "in sync") << r.dump();
}

}  // namespace vdc::testing
