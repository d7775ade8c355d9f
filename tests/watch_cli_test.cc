// vdc watch with the real binary, following a repository the test makes
// with the git command line, on an embedded datacenter: new commits, a bad
// commit, drift, a revert, a force-push, suspension, --no-prune,
// notifications, an unreachable remote, a failing apply, a damaged cache,
// a Target read from the repository, a repository over ssh, and a
// long-running watch stopped by SIGTERM, also in the middle of an apply.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <functional>
#include <map>
#include <filesystem>
#include <thread>

#include "tests/cli_support.h"
#include "tests/git_trees.h"
#include "tests/http_server.h"
#include "tests/site_vdc.h"
#include "tests/ssh_server.h"

namespace vdc::testing {

namespace {

namespace fs = std::filesystem;

class Watch : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir.path() / "remote");
    git("init -q -b main");
    commit("vdc/site.yaml", kSite, "first");
  }

  Result git(const std::string& args) {
    return shell(dir.path() / "remote", "git -c user.name=vdc -c user.email=vdc@example.org " + args);
  }
  // Writes `file` in the repository and commits it; returns the new head.
  std::string commit(const std::string& file, const std::string& text, const std::string& message) {
    writeFile(dir.path() / "remote" / file, text);
    git("add -A");
    EXPECT_EQ(git("commit -q -m '" + message + "'").exit, 0);
    return head();
  }
  // Networks back and third, in one commit: an apply of two creates.
  std::string commitTwoNetworks() {
    return commit("vdc/back.yaml",
                  std::string(kBackNetwork) +
                      "---\napiVersion: vdc/v1\nkind: Network\nmetadata: {name: third}\nspec: {cidr: 10.3.0.0/24}\n",
                  "two more networks");
  }
  std::string head() {
    std::string out = git("rev-parse HEAD").out;
    return out.substr(0, out.find('\n'));
  }

  Result watch(const std::string& flags = "") {
    return vdc(dir.path(), "watch remote --path vdc --once --status-file status.json " + flags);
  }
  Json status() { return Json::parse(readFile(dir.path() / "status.json")); }
  std::string condition(const std::string& type) {
    Json conditions = status()["conditions"];  // held: a range-for over a temporary's member dangles
    for (const auto& c : conditions)
      if (c["type"] == type) return c["status"];
    return "";
  }
  Json shown() { return Json::parse(vdc(dir.path(), "show remote/vdc --json").out); }
  bool has(const std::string& address) {
    Json resources = shown()["resources"];
    for (const auto& r : resources)
      if (r["address"] == address) return true;
    return false;
  }
  std::string host() { return readFile(dir.path() / ".vdc" / "sim.xml"); }

  // A long-running watch in the background, its output in watch.log; its pid.
  int startWatch(const std::string& args, const std::string& environment = "") {
    Result started = shell(dir.path(), environment + " " + VDC_BINARY + " watch " + args +
                                           " --status-file status.json >watch.log 2>&1 & echo $!");
    return std::stoi(started.out);
  }
  std::string log() { return readFile(dir.path() / "watch.log"); }
  // The status as last written, or null while there is none.
  Json statusNow() {
    std::string text = readFile(dir.path() / "status.json");
    return text.empty() ? Json() : Json::parse(text, nullptr, false);
  }
  std::function<bool()> appliedIs(const std::string& revision) {
    return [this, revision] {
      Json s = statusNow();
      return s.is_object() && s.value("appliedRevision", Json()) == revision;
    };
  }
  // Sends SIGTERM and waits until the watch is gone (or a zombie, where
  // nothing reaps orphans); true when it said it stopped.
  bool stopWatch(int pid) {
    terminateAndWait(pid);
    return log().find("stopped") != std::string::npos;
  }

  TempDir dir;
};

}  // namespace

TEST_F(Watch, EachNewCommitIsAppliedAndItsRevisionRecordedOnTheTarget) {
  Result first = watch();
  ASSERT_EQ(first.exit, 0) << first.err;
  std::string one = head();
  EXPECT_EQ(shown()["revision"], one);
  EXPECT_EQ(status()["appliedRevision"], one);
  EXPECT_EQ(condition("Ready"), "True");
  EXPECT_NE(vdc(dir.path(), "show remote/vdc").out.find("revision " + one), std::string::npos);

  std::string two = commit("vdc/back.yaml", kBackNetwork, "a second network");
  ASSERT_EQ(watch().exit, 0);
  EXPECT_TRUE(has("Network/back"));
  EXPECT_EQ(shown()["revision"], two);
  EXPECT_EQ(status()["lastPlan"]["revision"], two);
  // Nothing new: nothing done.
  std::string before = host();
  ASSERT_EQ(watch().exit, 0);
  EXPECT_EQ(host(), before);
}

TEST_F(Watch, ABadCommitIsNeverAppliedAndTheLastGoodRevisionStays) {
  ASSERT_EQ(watch().exit, 0);
  std::string good = head();
  std::string before = host();
  std::string bad = commit("vdc/back.yaml",
                           std::string(kBackNetwork) + "---\napiVersion: vdc/v1\nkind: Network\nmetadata: {name: odd}\n"
                                                       "spec: {cidr: 10.3.0.0/24, colour: blue}\n",
                           "a typo");
  Result run = watch();
  EXPECT_EQ(run.exit, 1);
  EXPECT_NE(run.err.find("validate of " + bad.substr(0, 12) + " failed"), std::string::npos) << run.err;
  Json s = status();
  EXPECT_EQ(s["lastError"]["revision"], bad);
  EXPECT_EQ(s["lastError"]["stage"], "validate");
  EXPECT_NE(s["lastError"]["message"].get<std::string>().find("vdc/back.yaml:10:"), std::string::npos)
      << s["lastError"]["message"];
  EXPECT_EQ(s["appliedRevision"], good) << "read back from the target";
  EXPECT_EQ(condition("Stalled"), "True");
  EXPECT_EQ(host(), before);

  // The fix is the next commit.
  std::string fixed = commit("vdc/back.yaml", kBackNetwork, "fix the typo");
  ASSERT_EQ(watch().exit, 0);
  EXPECT_EQ(shown()["revision"], fixed);
  EXPECT_EQ(condition("Stalled"), "False");
}

TEST_F(Watch, ACommitWhoseTreeIsUnsafeIsRefusedByIdAndNothingLeavesTheCache) {
  ASSERT_EQ(watch().exit, 0);
  std::string good = head();
  std::string before = host();
  // The VDC directory as it is, plus a directory named ".." holding a
  // manifest, and a link to a host file: written as they stand, the first
  // would land beside the revision and the second be read as a manifest.
  RawGit raw(dir.path() / "remote");
  std::string site = raw.git("rev-parse HEAD:vdc/site.yaml");
  std::string escaped = raw.tree({{"100644", "evil.yaml", raw.blob(kBackNetwork)}});
  std::string vdcTree = raw.tree({{"40000", "..", escaped},
                                  {"120000", "passwd.yaml", raw.blob("/etc/passwd")},
                                  {"100644", "site.yaml", site}});
  std::string bad = raw.commitTree(raw.tree({{"40000", "vdc", vdcTree}}));
  Result run = watch();
  EXPECT_EQ(run.exit, 1);
  EXPECT_NE(run.err.find("validate of " + bad.substr(0, 12) + " failed"), std::string::npos) << run.err;
  Json s = status();
  EXPECT_EQ(s["lastError"]["revision"], bad);
  std::string message = s["lastError"]["message"];
  EXPECT_NE(message.find("vdc/.. is not a safe file name"), std::string::npos) << message;
  EXPECT_NE(message.find("vdc/passwd.yaml is a symbolic link"), std::string::npos) << message;
  EXPECT_EQ(condition("Stalled"), "True");
  EXPECT_EQ(host(), before);
  EXPECT_EQ(shown()["revision"], good);
  for (const auto& entry : fs::recursive_directory_iterator(dir.path()))
    EXPECT_NE(entry.path().filename(), "evil.yaml") << entry.path();
}

TEST_F(Watch, AManifestFromTheRepositoryNamesNoHostFileOutsideItsDirectory) {
  ASSERT_EQ(watch().exit, 0);
  std::string before = host();
  writeFile(dir.path() / "outside.raw", "a file of the host's\n");
  for (const std::string& source : {(dir.path() / "outside.raw").string(), std::string("../../outside.raw"),
                                    std::string("/proc/self/environ"), std::string("file:///etc/hostname")}) {
    std::string bad = commit("vdc/image.yaml",
                             "apiVersion: vdc/v1\nkind: Image\nmetadata: {name: base}\nspec: {source: '" + source + "'}\n",
                             "an image from the host");
    Result run = watch();
    EXPECT_EQ(run.exit, 1) << source;
    std::string message = status()["lastError"]["message"];
    EXPECT_NE(message.find("Image/base: cannot read " + source), std::string::npos) << message;
    EXPECT_EQ(status()["lastError"]["revision"], bad);
    EXPECT_EQ(host(), before) << source << " was applied";
  }
}

// A password written into the repository's URL signs in, and is never shown
// or stored: not in the status, the notifications, the logs or the cache.
TEST_F(Watch, ACredentialInTheUrlSignsInAndIsNeverShownOrStored) {
  HttpServer server(dir.path(), "'" VDC_SOURCE_DIR "/tests/git_http_server.py' '" + dir.str() + "' vdc s3cr3t-pw");
  std::string url = server.base();
  url.insert(url.find("://") + 3, "vdc:s3cr3t-pw@");
  Result run = vdc(dir.path(), "watch " + url + "remote --path vdc --once --status-file status.json --notify 'cat >> events.json'");
  ASSERT_EQ(run.exit, 0) << run.err;
  EXPECT_EQ(status()["appliedRevision"], head());
  EXPECT_EQ(run.out.find("s3cr3t"), std::string::npos) << run.out;
  EXPECT_EQ(run.err.find("s3cr3t"), std::string::npos) << run.err;
  EXPECT_NE(status()["repository"].get<std::string>().find("http://127.0.0.1:"), std::string::npos);
  for (const auto& entry : fs::recursive_directory_iterator(dir.path())) {
    if (!entry.is_regular_file() || entry.path().string().find("/remote/") != std::string::npos) continue;
    EXPECT_EQ(readFile(entry.path()).find("s3cr3t"), std::string::npos) << entry.path() << " holds the password";
  }
}

TEST_F(Watch, DriftIsReportedAndHealedOnlyWithHeal) {
  ASSERT_EQ(watch().exit, 0);
  // Someone changes the machine by hand.
  std::string text = host();
  size_t at = text.find("<vcpu placement='static'>1</vcpu>");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 33, "<vcpu placement='static'>3</vcpu>");
  writeFile(dir.path() / ".vdc" / "sim.xml", text);

  ASSERT_EQ(watch().exit, 0);
  EXPECT_EQ(condition("Drifted"), "True");
  EXPECT_EQ(status()["drift"], Json::array({"update Instance/web"}));
  EXPECT_NE(host().find("<vcpu placement='static'>3</vcpu>"), std::string::npos) << "reported, not corrected";

  ASSERT_EQ(watch("--heal").exit, 0);
  EXPECT_EQ(condition("Drifted"), "False");
  EXPECT_EQ(status()["drift"], Json::array());
  EXPECT_NE(host().find("<vcpu placement='static'>1</vcpu>"), std::string::npos);
}

TEST_F(Watch, ARevertPushedToTheRepositoryRollsBack) {
  ASSERT_EQ(watch().exit, 0);
  commit("vdc/back.yaml", kBackNetwork, "a second network");
  ASSERT_EQ(watch().exit, 0);
  ASSERT_TRUE(has("Network/back"));
  ASSERT_EQ(git("revert --no-edit HEAD").exit, 0);
  ASSERT_EQ(watch().exit, 0);
  EXPECT_FALSE(has("Network/back"));
  EXPECT_EQ(shown()["revision"], head());
}

TEST_F(Watch, AForcePushedBranchIsFollowed) {
  commit("vdc/back.yaml", kBackNetwork, "a second network");
  ASSERT_EQ(watch().exit, 0);
  ASSERT_TRUE(has("Network/back"));
  // History rewritten: the second network never happened, a third one did.
  ASSERT_EQ(git("reset -q --hard HEAD~1").exit, 0);
  std::string rewritten = commit(
      "vdc/third.yaml", "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: third}\nspec: {cidr: 10.4.0.0/24}\n",
      "a third network instead");
  ASSERT_EQ(watch().exit, 0);
  EXPECT_FALSE(has("Network/back"));
  EXPECT_TRUE(has("Network/third"));
  EXPECT_EQ(shown()["revision"], rewritten);
}

TEST_F(Watch, NothingIsAppliedWhileSuspended) {
  ASSERT_EQ(watch("--cache cache").exit, 0);
  writeFile(dir.path() / "cache" / "suspend", "");
  commit("vdc/back.yaml", kBackNetwork, "a second network");
  ASSERT_EQ(watch("--cache cache").exit, 0);
  EXPECT_EQ(condition("Suspended"), "True");
  EXPECT_FALSE(has("Network/back"));
  fs::remove(dir.path() / "cache" / "suspend");
  ASSERT_EQ(watch("--cache cache").exit, 0);
  EXPECT_TRUE(has("Network/back"));
}

TEST_F(Watch, WithoutPruneWhatTheRepositoryDropsIsKeptAndReported) {
  commit("vdc/back.yaml", kBackNetwork, "a second network");
  ASSERT_EQ(watch().exit, 0);
  git("rm -q vdc/back.yaml");
  ASSERT_EQ(git("commit -q -m 'drop the second network'").exit, 0);
  ASSERT_EQ(watch("--no-prune").exit, 0);
  EXPECT_TRUE(has("Network/back"));
  EXPECT_EQ(status()["notPruned"], Json::array({"Network/back"}));
  EXPECT_EQ(shown()["revision"], head());
  ASSERT_EQ(watch().exit, 0);
  EXPECT_FALSE(has("Network/back"));
}

TEST_F(Watch, EveryEventGoesToTheNotificationCommandAsJson) {
  std::string notify = "--notify 'cat >> events.jsonl'";
  ASSERT_EQ(watch(notify).exit, 0);
  std::string bad = commit("vdc/back.yaml", "kind: [", "broken");
  EXPECT_EQ(watch(notify).exit, 1);
  std::vector<Json> events;
  std::istringstream lines(readFile(dir.path() / "events.jsonl"));
  for (std::string line; std::getline(lines, line);) events.push_back(Json::parse(line));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["event"], "applied");
  EXPECT_EQ(events[0]["summary"]["create"], 3);
  EXPECT_EQ(events[1]["event"], "failed");
  EXPECT_EQ(events[1]["revision"], bad);
}

TEST_F(Watch, AnUnreachableRemoteIsReportedAndRetriedSooner) {
  Result run = vdc(dir.path(), "watch nowhere --once --status-file status.json");
  EXPECT_EQ(run.exit, 1);
  Json s = status();
  EXPECT_EQ(s["lastError"]["stage"], "fetch");
  EXPECT_EQ(s["consecutiveFailures"], 1);
  EXPECT_EQ(s["nextAttemptSeconds"], 5);  // not the 60 s interval
  EXPECT_EQ(condition("Fetched"), "False");
  EXPECT_FALSE(fs::exists(dir.path() / ".vdc" / "sim.xml"));
}

TEST_F(Watch, ARunningWatchFollowsCommitsSuspendsOnSignalAndStopsOnSigterm) {
  int pid = startWatch("remote --path vdc --interval 1s");
  EXPECT_TRUE(waitFor(appliedIs(head())));
  std::string two = commit("vdc/back.yaml", kBackNetwork, "a second network");
  EXPECT_TRUE(waitFor(appliedIs(two)));

  kill(pid, SIGUSR1);
  EXPECT_TRUE(waitFor([&] { return condition("Suspended") == "True"; }));
  kill(pid, SIGUSR2);
  EXPECT_TRUE(waitFor([&] { return condition("Suspended") == "False"; }));

  EXPECT_TRUE(stopWatch(pid)) << log();
  EXPECT_TRUE(has("Network/back"));
}

TEST_F(Watch, WhileTheRemoteIsUnreachableItBacksOffAndThenRecovers) {
  int pid = startWatch("later --path vdc --interval 1s");
  // Each failure in a row doubles the wait, from the 1 s interval.
  std::map<int, double> waits;  // consecutive failures -> next attempt in seconds
  waitFor(
      [&] {
        Json s = statusNow();
        if (s.is_object() && s["consecutiveFailures"] > 0) waits[s["consecutiveFailures"]] = s["nextAttemptSeconds"];
        return waits.size() >= 3;
      },
      std::chrono::milliseconds(50));
  EXPECT_EQ(waits, (std::map<int, double>{{1, 1}, {2, 2}, {3, 4}})) << log();
  EXPECT_EQ(statusNow()["lastError"]["stage"], "fetch");
  EXPECT_FALSE(fs::exists(dir.path() / ".vdc" / "sim.xml"));

  // The remote comes back: the next attempt applies, and the interval is back.
  std::string one = head();
  fs::rename(dir.path() / "remote", dir.path() / "later");
  EXPECT_TRUE(waitFor(appliedIs(one))) << log();
  EXPECT_EQ(statusNow()["consecutiveFailures"], 0);
  EXPECT_EQ(statusNow()["nextAttemptSeconds"], 1);
  EXPECT_TRUE(stopWatch(pid)) << log();
}

TEST_F(Watch, AFailedApplyIsReportedWithWhatIsInForceAndTheNextAttemptConverges) {
  ASSERT_EQ(watch().exit, 0);
  std::string one = head();
  std::string two = commitTwoNetworks();
  // The second change the apply makes fails: one network is made, one is not.
  Result failed = shell(dir.path(), "VDC_FAULT=fail:2 " + std::string(VDC_BINARY) +
                                        " watch remote --path vdc --once --status-file status.json");
  EXPECT_EQ(failed.exit, 1);
  Json s = status();
  EXPECT_EQ(s["lastError"]["stage"], "apply");
  EXPECT_EQ(s["lastError"]["revision"], two);
  std::string message = s["lastError"]["message"];
  EXPECT_NE(message.find("1 of 2 operations done"), std::string::npos) << message;
  EXPECT_NE(message.find("partly at " + two + " and still records " + one), std::string::npos) << message;
  EXPECT_EQ(s["attemptedRevision"], two);
  EXPECT_EQ(s["appliedRevision"], one);
  EXPECT_EQ(s["consecutiveFailures"], 1);
  // Refused for good: no sooner attempt, and the revision stalls in this process.
  EXPECT_EQ(s["lastError"]["retryable"], false);
  EXPECT_EQ(s["nextAttemptSeconds"], 60);
  EXPECT_EQ(condition("Stalled"), "True");
  EXPECT_EQ(condition("Ready"), "False");
  EXPECT_EQ(shown()["revision"], one) << "the target does not claim a revision it does not run";
  EXPECT_NE(has("Network/back"), has("Network/third"));

  ASSERT_EQ(watch().exit, 0);
  EXPECT_TRUE(has("Network/back"));
  EXPECT_TRUE(has("Network/third"));
  EXPECT_EQ(shown()["revision"], two);
  EXPECT_EQ(status()["consecutiveFailures"], 0);
  EXPECT_EQ(condition("Ready"), "True");
}

TEST_F(Watch, AnApplyThatFailedTransientlyIsRetriedSooner) {
  ASSERT_EQ(watch().exit, 0);
  commitTwoNetworks();
  Result failed = shell(dir.path(), "VDC_FAULT=flake:2 " + std::string(VDC_BINARY) +
                                        " watch remote --path vdc --once --status-file status.json");
  EXPECT_EQ(failed.exit, 1);
  Json s = status();
  EXPECT_EQ(s["lastError"]["stage"], "apply");
  EXPECT_EQ(s["lastError"]["retryable"], true);
  EXPECT_NE(s["lastError"]["message"].get<std::string>().find("the connection was lost"), std::string::npos);
  EXPECT_EQ(s["nextAttemptSeconds"], 5);
  EXPECT_EQ(condition("Stalled"), "False");
}

TEST_F(Watch, AStalledRevisionWaitsForASyncRequest) {
  ASSERT_EQ(watch().exit, 0);
  commitTwoNetworks();
  // Every reconcile of this process fails its second call, for good.
  int pid = startWatch("remote --path vdc --interval 1s", "VDC_FAULT=fail:2");
  ASSERT_TRUE(waitFor([&] { return condition("Stalled") == "True"; })) << log();
  // Several intervals pass: fetched each time, never applied again.
  std::this_thread::sleep_for(std::chrono::milliseconds(3500));
  EXPECT_EQ(statusNow()["consecutiveFailures"], 1) << log();
  kill(pid, SIGHUP);
  EXPECT_TRUE(waitFor([&] { return statusNow()["consecutiveFailures"] == 2; })) << log();
  EXPECT_TRUE(stopWatch(pid)) << log();
}

TEST_F(Watch, AnAtomicWatchUndoesAFailingCommitAndKeepsTheLastGoodOneWhole) {
  ASSERT_EQ(watch("--atomic").exit, 0);
  std::string one = head();
  std::string two = commitTwoNetworks();
  Result failed = shell(dir.path(), "VDC_FAULT=fail:2 " + std::string(VDC_BINARY) +
                                        " watch remote --path vdc --once --atomic --status-file status.json");
  EXPECT_EQ(failed.exit, 1);
  Json s = status();
  EXPECT_EQ(s["lastError"]["stage"], "apply");
  std::string message = s["lastError"]["message"];
  EXPECT_NE(message.find("the apply failed and was rolled back: " + one + " stays wholly in force"), std::string::npos)
      << message;
  EXPECT_EQ(s["appliedRevision"], one);
  EXPECT_FALSE(has("Network/back") || has("Network/third")) << "neither new network stays";
  EXPECT_EQ(shown()["revision"], one);

  ASSERT_EQ(watch("--atomic").exit, 0);
  EXPECT_TRUE(has("Network/back") && has("Network/third"));
  EXPECT_EQ(shown()["revision"], two);

  // A commit an undo could not give back is not begun.
  commit("vdc/data.yaml", "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: data}\nspec: {size: 1GiB}\n", "data");
  ASSERT_EQ(watch("--atomic").exit, 0);
  git("rm -q vdc/data.yaml");
  git("commit -q -m 'no data'");
  Result refused = watch("--atomic");
  EXPECT_EQ(refused.exit, 1);
  EXPECT_EQ(status()["lastError"]["stage"], "plan");
  EXPECT_NE(status()["lastError"]["message"].get<std::string>().find("Volume/data, which cannot be undone"),
            std::string::npos) << status()["lastError"];
  EXPECT_TRUE(has("Volume/data"));
}

TEST_F(Watch, AWatchDeletesNoProtectedResource) {
  commit("vdc/data.yaml", "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: data}\nspec: {size: 1GiB, protect: true}\n",
         "protected data");
  ASSERT_EQ(watch().exit, 0);
  git("rm -q vdc/data.yaml");
  git("commit -q -m 'no data'");
  EXPECT_EQ(watch().exit, 1);
  EXPECT_EQ(status()["lastError"]["stage"], "plan");
  EXPECT_NE(status()["lastError"]["message"].get<std::string>().find("Volume/data, which is protected"),
            std::string::npos) << status()["lastError"];
  EXPECT_TRUE(has("Volume/data")) << "the record still protects it";
}

TEST_F(Watch, ADamagedCacheIsMadeAnewAndTheNextCommitApplied) {
  ASSERT_EQ(watch("--cache cache").exit, 0);
  std::vector<fs::path> objects;
  for (const auto& entry : fs::recursive_directory_iterator(dir.path() / "cache" / "repository" / "objects"))
    if (entry.is_regular_file()) objects.push_back(entry.path());
  ASSERT_FALSE(objects.empty());
  for (const auto& object : objects) fs::remove(object);
  std::string two = commit("vdc/back.yaml", kBackNetwork, "a second network");
  Result run = watch("--cache cache");
  ASSERT_EQ(run.exit, 0) << run.err;
  EXPECT_TRUE(has("Network/back"));
  EXPECT_EQ(shown()["revision"], two);
}

// A Target read from the repository is written by whoever can push: it may
// name hosts, but no file of this machine (an embedded datacenter's file,
// which vdc would write; an appliance image or allowedPaths outside the
// repository). Such a commit is invalid, and nothing is written. (A Target
// from the repository applied to a real host: tests/e2e/watch_test.cc.)
TEST_F(Watch, ATargetFromTheRepositoryNamesNoFileOfThisMachine) {
  ASSERT_EQ(watch().exit, 0);
  auto watchLab = [&] {
    return vdc(dir.path(), "watch remote --path vdc --target-path targets/lab.yaml --once --status-file status.json");
  };
  std::string header = "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: lab}\nspec:\n";
  writeFile(dir.path() / "outside.img", "an image of the host's\n");
  const std::vector<std::pair<std::string, std::string>> targets = {
      {"  embedded: {path: " + (dir.path() / "lab.xml").string() + "}\n", "it names an embedded datacenter"},
      {"  embedded: {path: ../../../../lab.xml}\n", "it names an embedded datacenter"},
      {"  hosts:\n    - {uri: 'test:///default'}\n    - {embedded: {path: /etc/lab.xml}}\n",
       "it names an embedded datacenter"},
      {"  hosts: [{uri: 'test:///default'}]\n  appliances: {loadBalancer: {source: " +
           (dir.path() / "outside.img").string() + ", format: raw}}\n",
       "its appliance image " + (dir.path() / "outside.img").string() + " is outside the repository"},
      {"  hosts: [{uri: 'test:///default'}]\n  allowedPaths: [/etc]\n",
       "its allowedPaths entry /etc is outside the repository"},
  };
  for (const auto& [spec, expected] : targets) {
    std::string bad = commit("targets/lab.yaml", header + spec, "a target");
    Result run = watchLab();
    EXPECT_EQ(run.exit, 1) << spec;
    Json s = status();
    EXPECT_EQ(s["lastError"]["revision"], bad);
    EXPECT_EQ(s["lastError"]["stage"], "validate");
    std::string message = s["lastError"]["message"];
    EXPECT_NE(message.find("targets/lab.yaml: " + expected), std::string::npos) << message;
    EXPECT_FALSE(fs::exists(dir.path() / "lab.xml"));
    EXPECT_FALSE(fs::exists("/etc/lab.xml"));
  }
  // A Target that does not validate is the commit's fault too, named at its place.
  std::string typo = commit("targets/lab.yaml", header + "  hosts: [{uri: 'test:///default'}]\n  colour: blue\n", "a typo");
  EXPECT_EQ(watchLab().exit, 1);
  EXPECT_EQ(status()["lastError"]["revision"], typo);
  std::string message = status()["lastError"]["message"];
  EXPECT_NE(message.find("targets/lab.yaml:6:3: unknown field 'colour' in Target spec"), std::string::npos) << message;

  Result outside = vdc(dir.path(), "watch remote --path vdc --target-path ../lab.yaml --once");
  EXPECT_EQ(outside.exit, 1);
  EXPECT_NE(outside.err.find("--target-path ../lab.yaml is not a place inside the repository"), std::string::npos)
      << outside.err;
}

// Whatever the operator allows, a repository's Target never chooses how
// libvirt reaches a host: a transport or a parameter that would run a
// program, open a socket or read a file of this machine is refused before
// libvirt sees it, and nothing the named file holds is quoted back.
TEST_F(Watch, ATargetFromTheRepositoryNeverChoosesHowAHostIsReached) {
  ASSERT_EQ(watch().exit, 0);
  writeFile(dir.path() / "program", "#!/bin/sh\ntouch " + (dir.path() / "ran").string() + "\n");
  fs::permissions(dir.path() / "program", fs::perms::owner_all);
  writeFile(dir.path() / "secret.xml", "<node>the-secret-of-this-host</node>\n");
  std::string program = (dir.path() / "program").string(), secret = (dir.path() / "secret.xml").string();
  const std::vector<std::pair<std::string, std::string>> uris = {
      {"qemu+ext:///system?command=" + program, "transport 'ext' could make libvirt run"},
      {"qemu+ssh://-oProxyCommand=" + program + "/system", "is not a host name"},
      {"qemu+ssh://lab/system?command=" + program, "parameters (?command="},
      {"qemu+ssh://lab/system?keyfile=" + secret, "parameters (?keyfile="},
      {"qemu+unix:///system?socket=/run/elsewhere.sock", "transport 'unix'"},
      {"qemu+tls://lab/system?no_verify=1", "parameters (?no_verify=1)"},
      {"test://" + secret, "driver 'test' is not one"},
      {"qemu:///embed?root=" + dir.path().string(), "path '/embed' is not /system"},
  };
  for (const auto& [uri, expected] : uris) {
    std::string bad = commit("targets/lab.yaml",
                             "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: lab}\nspec:\n  hosts: [{uri: '" + uri + "'}]\n",
                             "a target");
    // The host is allowed: the rules hold all the same.
    Result run = vdc(dir.path(), "watch remote --path vdc --target-path targets/lab.yaml --once --status-file status.json "
                                 "--allow-host lab");
    EXPECT_EQ(run.exit, 1) << uri << run.err;
    std::string message = status()["lastError"]["message"];
    EXPECT_EQ(status()["lastError"]["revision"], bad);
    EXPECT_NE(message.find("targets/lab.yaml: host URI"), std::string::npos) << message;
    EXPECT_NE(message.find(expected), std::string::npos) << uri << "\n" << message;
    EXPECT_EQ(message.find("the-secret-of-this-host"), std::string::npos) << message;
    EXPECT_EQ((run.out + run.err).find("the-secret-of-this-host"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir.path() / "ran")) << uri;
  }
  // A well-formed URI of a host the operator did not allow.
  commit("targets/lab.yaml",
         "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: lab}\nspec:\n  hosts: [{uri: 'qemu+ssh://root@lab2/system'}]\n",
         "another host");
  Result run = vdc(dir.path(), "watch remote --path vdc --target-path targets/lab.yaml --once --status-file status.json "
                               "--allow-host lab");
  EXPECT_EQ(run.exit, 1);
  std::string message = status()["lastError"]["message"];
  EXPECT_NE(message.find("host URI 'qemu+ssh://root@lab2/system' is not a host this machine allows"), std::string::npos)
      << message;
  // Nor can the operator allow such a URI by mistake: the watch does not start.
  Result typo = vdc(dir.path(), "watch remote --path vdc --target-path targets/lab.yaml --once --allow-host '-oX=y' "
                                "--allow-host 'qemu+ext:///system?command=/bin/sh'");
  EXPECT_EQ(typo.exit, 1);
  EXPECT_NE(typo.err.find("allowed host '-oX=y' is neither a host name"), std::string::npos) << typo.err;
  EXPECT_NE(typo.err.find("allowed host 'qemu+ext:///system?command=/bin/sh' could never be used"), std::string::npos)
      << typo.err;
}

// A watch keeps one VDC. A commit that declares another (here one that
// lives on the same datacenter) is refused: nothing of either is changed.
// The revisions a watch writes out hold what the repository holds: its user's alone.
TEST_F(Watch, ItsCacheIsPrivateToItsUser) {
  ASSERT_EQ(shell(dir.path(), "umask 000 && " VDC_BINARY " watch remote --path vdc --once").exit, 0);
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir.path() / ".vdc")) {
    EXPECT_EQ(entry.status().permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none)
        << entry.path();
    files += entry.path().filename() == "site.yaml";
  }
  EXPECT_EQ(files, 1u) << "the revision in force is written out";
}

TEST_F(Watch, ACommitThatDeclaresAnotherVdcIsRefused) {
  ASSERT_EQ(watch().exit, 0);
  fs::create_directories(dir.path() / "other");
  writeFile(dir.path() / "other" / "vdc.yaml",
            "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: other}\n---\n"
            "apiVersion: vdc/v1\nkind: Network\nmetadata: {name: kept}\nspec: {cidr: 10.9.0.0/24}\n");
  ASSERT_EQ(vdc(dir.path(), "apply other --auto-approve").exit, 0);
  std::string before = host();

  std::string site = kSite;
  site.replace(site.find("name: site"), 10, "name: other");
  std::string bad = commit("vdc/site.yaml", site, "the site is now another VDC");
  Result run = watch();
  EXPECT_EQ(run.exit, 1);
  EXPECT_EQ(status()["lastError"]["revision"], bad);
  EXPECT_EQ(status()["lastError"]["stage"], "validate");
  std::string message = status()["lastError"]["message"];
  EXPECT_NE(message.find("declares VDC 'other', but this source is VDC 'site'"), std::string::npos) << message;
  EXPECT_EQ(condition("Stalled"), "True");
  EXPECT_EQ(host(), before) << "neither VDC changed";

  // Bound by name from the start, a watch refuses even its first commit.
  Result named = vdc(dir.path(), "watch remote --path vdc --once --cache fresh --vdc site --status-file fresh.json");
  EXPECT_EQ(named.exit, 1);
  EXPECT_EQ(host(), before);
}

TEST_F(Watch, SigtermInTheMiddleOfAnApplyLetsItFinish) {
  commit("vdc/back.yaml", kBackNetwork, "a second network");
  // The apply waits at its second change until the watch was told to stop.
  int pid = startWatch("remote --path vdc", "VDC_FAULT=hold:2");
  ASSERT_EQ(stopWhileHeld(pid, [&] { return log(); }), "") << log();
  EXPECT_NE(log().find("stopped"), std::string::npos) << log();
  EXPECT_EQ(shown()["revision"], head()) << log();
  EXPECT_TRUE(has("Network/back"));
  EXPECT_EQ(status()["appliedRevision"], head());
}

TEST_F(Watch, AManualApplyKeepsTheRecordedRevisionAndIsDriftFromIt) {
  ASSERT_EQ(watch().exit, 0);
  std::string one = head();
  // The same manifests from the work tree: nothing to do, the record included.
  EXPECT_EQ(vdc(dir.path(), "plan remote/vdc --detailed-exitcode").exit, 0);
  // A change applied by hand from the work tree, never committed.
  std::string site = kSite;
  site.replace(site.find("cpus: 1"), 7, "cpus: 2");
  writeFile(dir.path() / "remote" / "vdc" / "site.yaml", site);
  Result manual = vdc(dir.path(), "apply remote/vdc --auto-approve");
  ASSERT_EQ(manual.exit, 0) << manual.err;
  EXPECT_EQ(shown()["revision"], one);

  ASSERT_EQ(watch().exit, 0);
  EXPECT_EQ(condition("Drifted"), "True");
  EXPECT_EQ(status()["drift"], Json::array({"update Instance/web"}));
  EXPECT_NE(host().find("<vcpu placement='static'>2</vcpu>"), std::string::npos) << "reported, not undone";
  ASSERT_EQ(watch("--heal").exit, 0);
  EXPECT_NE(host().find("<vcpu placement='static'>1</vcpu>"), std::string::npos);
  EXPECT_EQ(shown()["revision"], one);
}

TEST_F(Watch, FollowsARepositoryOverSshWithAKeyAndAKnownOrPinnedHostKey) {
  if (geteuid() != 0) GTEST_SKIP() << "sshd needs root";
  SshServer sshd(dir.path() / "sshd");
  std::string url = "ssh://root@127.0.0.1:" + std::to_string(sshd.port()) + (dir.path() / "remote").string();
  fs::path home = dir.path() / "home";
  fs::create_directories(home);
  // Under AddressSanitizer, with whole stacks: libgit2's own leaks in its
  // known_hosts check are told apart by them (scripts/lsan.supp).
  auto watchOver = [&](const std::string& environment) {
    return shell(dir.path(), "ASAN_OPTIONS=fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS} HOME='" +
                                 home.string() + "' SSH_AUTH_SOCK= VDC_GIT_SSH_KEY='" + sshd.clientKey() + "' " +
                                 environment + " " + VDC_BINARY + " watch '" + url +
                                 "' --path vdc --once --status-file status.json");
  };
  // A host neither known nor pinned is refused.
  Result unknown = watchOver("");
  EXPECT_EQ(unknown.exit, 1);
  EXPECT_NE(unknown.err.find("unknown remote ssh hostkey"), std::string::npos) << unknown.err;
  EXPECT_EQ(status()["lastError"]["stage"], "fetch");
  EXPECT_FALSE(fs::exists(dir.path() / ".vdc" / "sim.xml"));
  // So is one whose key is not the pinned one.
  Result wrong = watchOver("VDC_GIT_SSH_FINGERPRINT=SHA256:" + std::string(43, 'A'));
  EXPECT_EQ(wrong.exit, 1);
  EXPECT_NE(wrong.err.find("has host key " + sshd.fingerprint() + ", not the one VDC_GIT_SSH_FINGERPRINT pins"),
            std::string::npos)
      << wrong.err;
  EXPECT_FALSE(fs::exists(dir.path() / ".vdc" / "sim.xml"));

  Result pinned = watchOver("VDC_GIT_SSH_FINGERPRINT=" + sshd.fingerprint());
  ASSERT_EQ(pinned.exit, 0) << pinned.err;
  EXPECT_EQ(shown()["revision"], head());

  // Known from ~/.ssh/known_hosts, nothing pinned.
  writeFile(home / ".ssh" / "known_hosts", sshd.knownHostsLine());
  std::string two = commit("vdc/back.yaml", kBackNetwork, "a second network");
  Result known = watchOver("");
  ASSERT_EQ(known.exit, 0) << known.err;
  EXPECT_EQ(shown()["revision"], two);
}

}  // namespace vdc::testing
