// The change model on the webshop example: an edit that replaces an object
// takes what refers to it along in the same apply, in order, and leaves a
// datacenter whose every reference resolves.
#include <gtest/gtest.h>

#include <regex>
#include <tuple>

#include "engine/plan.h"
#include "tests/cli_support.h"

namespace vdc::testing {

namespace {

namespace fs = std::filesystem;

class Change : public ::testing::Test {
 protected:
  void SetUp() override {
    copyExample("webshop", dir.path() / "shop");
    Result applied = run("apply shop --auto-approve");
    ASSERT_EQ(applied.exit, 0) << applied.err;
  }

  Result run(const std::string& command) { return vdc(dir.path(), command); }

  void edit(const std::string& file, const std::string& from, const std::string& to) {
    fs::path path = dir.path() / "shop" / file;
    std::string text = readFile(path);
    size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    writeFile(path, text.replace(at, from.size(), to));
  }

  // The pools the disks of domain `name` name for volume `volume`, read from the datacenter itself.
  std::vector<std::string> poolsOf(const std::string& name, const std::string& volume) {
    std::string sim = readFile(dir.path() / ".vdc" / "sim.xml");
    size_t begin = sim.find("<name>" + name + "</name>"), end = sim.find("</domain>", begin);
    std::string domain = sim.substr(begin, end - begin);
    std::vector<std::string> pools;
    std::regex source("<source pool='([^']*)' volume='" + volume + "'");
    for (std::sregex_iterator it(domain.begin(), domain.end(), source), none; it != none; ++it)
      pools.push_back((*it)[1]);
    return pools;
  }

  // Applies; `follower` let go of `replaced` before it went, and took it
  // again once it was made anew.
  void applyFollowing(const std::string& follower, const std::string& replaced) {
    Result apply = run("apply shop --auto-approve");
    ASSERT_EQ(apply.exit, 0) << apply.err;
    EXPECT_TRUE(before(apply.err, "~ " + follower + ": let go of what is replaced", "- " + replaced + ": removed (replace)"))
        << apply.err;
    EXPECT_TRUE(before(apply.err, "+ " + replaced + ": created (replace)", "~ " + follower + ": updated")) << apply.err;
  }

  // Whether `first` is reported before `then` in an apply's output.
  static bool before(const std::string& out, const std::string& first, const std::string& then) {
    size_t a = out.find(first), b = out.find(then);
    return a != std::string::npos && b != std::string::npos && a < b;
  }

  TempDir dir;
};

}  // namespace

TEST_F(Change, AVolumeMovedToAnotherClassIsAttachedAgainFromThere) {
  edit("storage.yaml", "storageClass: standard", "storageClass: fast");
  Result plan = run("plan shop");
  EXPECT_NE(plan.out.find(" -/+ Volume/db-data (replace)"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("   ~ Instance/db\n      re-attaches Volume/db-data (made anew)   # restarts the instance\n"),
            std::string::npos)
      << plan.out;
  applyFollowing("Instance/db", "Volume/db-data");
  EXPECT_EQ(poolsOf("webshop.db", "webshop.vol.db-data"), std::vector<std::string>{"fast"});
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);
}

TEST_F(Change, AnApplyThatStopsHalfWayIsPutRightByTheNext) {
  edit("storage.yaml", "storageClass: standard", "storageClass: fast");
  // Calls: the instance lets go, the volume goes and is made again, the instance takes it.
  Result failed = shell(dir.path(), "VDC_FAULT=fail:4 " + std::string(VDC_BINARY) + " apply shop --auto-approve");
  ASSERT_EQ(failed.exit, 1) << failed.err;
  ASSERT_EQ(poolsOf("webshop.db", "webshop.vol.db-data"), std::vector<std::string>{"standard"})
      << "the domain still names the volume that went";
  Result plan = run("plan shop");
  EXPECT_NE(plan.out.find("volumes[0].volume: (none) -> \"db-data\""), std::string::npos)
      << "a disk whose volume is gone attaches nothing:\n" << plan.out;
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  EXPECT_EQ(poolsOf("webshop.db", "webshop.vol.db-data"), std::vector<std::string>{"fast"});
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);
}

TEST_F(Change, AnAtomicApplyWhoseInstanceCannotLetGoChangesNothing) {
  edit("storage.yaml", "storageClass: standard", "storageClass: fast");
  Result before = run("plan shop --json");
  ASSERT_EQ(before.exit, 0) << before.err;
  // Call 1: the instance lets go of the volume; it fails, so the volume is never replaced.
  Result failed = shell(dir.path(), "VDC_FAULT=fail:1 " + std::string(VDC_BINARY) +
                                        " apply shop --auto-approve --atomic --allow-irreversible");
  ASSERT_EQ(failed.exit, 1) << failed.err;
  EXPECT_NE(failed.out.find("rolled back"), std::string::npos) << failed.out << failed.err;
  EXPECT_EQ(Json::parse(run("plan shop --json").out)["changes"], Json::parse(before.out)["changes"])
      << "the volume's record, written ahead of its replace, is put back";
  EXPECT_EQ(poolsOf("webshop.db", "webshop.vol.db-data"), std::vector<std::string>{"standard"});
}

TEST_F(Change, ANetworkMadeAgainHasItsNicsPluggedAgain) {
  edit("networks.yaml", "10.10.3.0/24", "10.10.30.0/24");
  edit("instances.yaml", "10.10.3.10", "10.10.30.10");
  Result plan = run("plan shop");
  EXPECT_NE(plan.out.find("      re-plugs NIC 1 into Network/data (made anew)   # restarts the instance\n"),
            std::string::npos)
      << plan.out;
  applyFollowing("Instance/db", "Network/data");
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);
}

TEST_F(Change, AnImageMadeAgainRemakesTheDisksMadeOfItWhichAnAtomicApplyRefuses) {
  edit("storage.yaml", "format: qcow2", "format: raw");
  Result plan = run("plan shop --json");
  ASSERT_EQ(plan.exit, 0) << plan.err;
  Json json = Json::parse(plan.out);
  size_t remade = 0;
  for (const auto& c : json["changes"])
    if (c["kind"] == "Instance") {
      EXPECT_EQ(c["action"], "replace") << c["address"];
      EXPECT_EQ(c["follows"], Json({"Image/debian-12"})) << c["address"];
      EXPECT_EQ(c["irreversible"], "its root disk's data is lost") << c["address"];
      ++remade;
    }
  EXPECT_EQ(remade, 6u) << "every virtual machine of the image";
  Result atomic = run("apply shop --auto-approve --atomic");
  EXPECT_EQ(atomic.exit, 1);
  EXPECT_NE(atomic.err.find("the plan replaces Instance/db, which cannot be undone (its root disk's data is lost)"),
            std::string::npos)
      << atomic.err;
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);
}

TEST_F(Change, ReplaceMakesAnUnchangedObjectAnewWithWhatFollowsIt) {
  Result plan = run("plan shop --replace Volume/db-wal --json");
  ASSERT_EQ(plan.exit, 0) << plan.err;
  Json json = Json::parse(plan.out);
  ASSERT_EQ(json["changes"].size(), 2u) << plan.out;
  EXPECT_EQ(json["changes"][0]["address"], "Volume/db-wal");
  EXPECT_EQ(json["changes"][0]["replaceAsked"], true);
  EXPECT_EQ(json["changes"][1]["follows"], Json({"Volume/db-wal"}));
  // A flag takes one value: the directory after it is no second one.
  Result apply = run("apply --replace Volume/db-wal shop --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.err;
  EXPECT_NE(apply.out.find("Apply complete: 0 created, 1 updated, 1 replaced, 0 deleted."), std::string::npos)
      << apply.out;
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);

  // An Instance with replicas by its base name: every replica.
  Result web = run("plan shop --replace Instance/web");
  EXPECT_NE(web.out.find("Plan: 0 to create, 0 to update, 3 to replace"), std::string::npos) << web.out;
  Result typo = run("plan shop --replace Instance/wbe");
  EXPECT_EQ(typo.exit, 1);
  EXPECT_NE(typo.err.find("--replace Instance/wbe: the VDC has no such resource"), std::string::npos) << typo.err;
  ASSERT_EQ(run("plan shop --out saved.plan").exit, 0);
  Result saved = run("apply saved.plan --replace Volume/db-wal");
  EXPECT_EQ(saved.exit, 1);
  EXPECT_NE(saved.err.find("a saved plan is applied whole"), std::string::npos) << saved.err;
  EXPECT_EQ(run("plan shop --destroy --replace Volume/db-wal").exit, 1);
}

TEST_F(Change, AForgottenObjectStaysAndIsAdoptedBack) {
  Result forgot = run("forget Volume/db-wal Network/data --dir shop");
  ASSERT_EQ(forgot.exit, 0) << forgot.err;
  EXPECT_NE(forgot.out.find("Forgot Volume/db-wal: 'webshop.vol.db-wal' stays on the target, owned by no VDC."),
            std::string::npos)
      << forgot.out;
  std::string sim = readFile(dir.path() / ".vdc" / "sim.xml");
  for (const char* name : {"<name>webshop.vol.db-wal</name>", "<name>webshop.data</name>"})
    EXPECT_NE(sim.find(name), std::string::npos) << name << " is still there";
  EXPECT_EQ(run("show shop").out.find("Volume/db-wal "), std::string::npos) << "no longer the VDC's";

  Result plan = run("plan shop");
  EXPECT_EQ(plan.exit, 1);
  EXPECT_NE(plan.err.find("Volume/db-wal: 'webshop.vol.db-wal' already exists"), std::string::npos) << plan.err;
  EXPECT_NE(plan.err.find("annotate the manifest vdc/adopt: 'webshop.data'"), std::string::npos) << plan.err;

  // Another VDC cannot take what this one forgot.
  writeFile(dir.path() / "thief" / "vdc.yaml",
            "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: thief}\n---\n"
            "apiVersion: vdc/v1\nkind: Volume\nmetadata: {name: wal, annotations: {vdc/adopt: webshop.vol.db-wal}}\n"
            "spec: {size: 10GiB}\n");
  Result thief = run("plan thief");
  EXPECT_EQ(thief.exit, 1);
  EXPECT_NE(thief.err.find("has no Volume of that name that no VDC owns"), std::string::npos) << thief.err;

  for (auto [file, name, physical] : {std::tuple{"networks.yaml", "data", "webshop.data"},
                                      std::tuple{"storage.yaml", "db-wal", "webshop.vol.db-wal"}})
    edit(file, std::string("metadata:\n  name: ") + name + "\n",
         std::string("metadata:\n  name: ") + name + "\n  annotations:\n    vdc/adopt: " + physical + "\n");
  plan = run("plan shop");
  ASSERT_EQ(plan.exit, 0) << plan.err;
  EXPECT_NE(plan.out.find("Plan: 2 to adopt, 0 to create, 0 to update, 0 to replace, 0 to delete"), std::string::npos)
      << "they come back as they were, nothing else changes:\n" << plan.out;
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);

  // Forgotten, its VDC destroyed and made again: still its own to adopt back.
  ASSERT_EQ(run("forget Volume/db-wal --dir shop").exit, 0);
  ASSERT_EQ(run("destroy shop --auto-approve").exit, 0);
  ASSERT_NE(readFile(dir.path() / ".vdc" / "sim.xml").find("<name>webshop.vol.db-wal</name>"), std::string::npos);
  edit("networks.yaml", "  annotations:\n    vdc/adopt: webshop.data\n", "");  // the destroy deleted it
  Result again = run("apply shop --auto-approve");
  ASSERT_EQ(again.exit, 0) << again.err;
  EXPECT_NE(again.out.find("1 adopted"), std::string::npos) << again.out;
  ASSERT_EQ(run("destroy shop --auto-approve").exit, 0);
  EXPECT_EQ(readFile(dir.path() / ".vdc" / "sim.xml").find("webshop."), std::string::npos) << "nothing left";
}

TEST_F(Change, ForgetRefusesWhatCannotBeAdoptedBackAndForgetsNothing) {
  Result refused = run("forget Volume/db-wal Instance/db SecurityGroup/web KeyPair/ops VirtualDataCenter/webshop "
                       "Instance/nope --dir shop");
  EXPECT_EQ(refused.exit, 1);
  for (const char* why : {"SecurityGroup/web: vdc cannot adopt a SecurityGroup again",
                          "Instance/db: it is made of or filtered by Image/debian-12, which the VDC keeps managing",
                          "Instance/db: it refers to Volume/db-data, which the VDC would keep managing: forget it too",
                          "KeyPair/ops: a KeyPair is only a record", "VirtualDataCenter/webshop: it is the VDC's own record",
                          "Instance/nope: embedded datacenter .vdc/sim.xml holds no object of the VDC by that name"})
    EXPECT_NE(refused.err.find(why), std::string::npos) << why << "\n" << refused.err;
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos) << "nothing was forgotten";
}

TEST_F(Change, ANetworkDeletedByHandIsMadeAgainAndEveryNicOnItPluggedAgain) {
  fs::path sim = dir.path() / ".vdc" / "sim.xml";
  std::string xml = readFile(sim);
  size_t at = xml.find("<name>webshop.frontend</name>");
  ASSERT_NE(at, std::string::npos);
  size_t begin = xml.rfind("<network", at), end = xml.find("</network>", at) + std::string("</network>").size();
  writeFile(sim, xml.erase(begin, end - begin));
  Result plan = run("plan shop");
  EXPECT_NE(plan.out.find("   + Network/frontend (drift: deleted outside vdc)\n"), std::string::npos)
      << "the instances on it say it was there:\n" << plan.out;
  for (const char* web : {"web-0", "web-1", "web-2"})
    EXPECT_NE(plan.out.find(std::string("   ~ Instance/") + web +
                            "\n      re-plugs NIC 0 into Network/frontend (made anew)   # restarts the instance\n"),
              std::string::npos)
        << web << "\n" << plan.out;
  EXPECT_NE(plan.out.find("   ~ LoadBalancer/shop\n      re-plugs its NIC into Network/frontend (made anew)"),
            std::string::npos)
      << plan.out;
  Result apply = run("apply shop --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.err;
  EXPECT_TRUE(before(apply.err, "+ Network/frontend: created", "~ Instance/web-0: updated")) << apply.err;
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);
}

TEST_F(Change, AnInstanceRenamedWithoutSayingSoIsMadeOnlyOnceTheOldOneIsGone) {
  edit("instances.yaml", "  name: db\n", "  name: database\n");
  Result plan = run("plan shop");
  EXPECT_NE(plan.out.find("   + Instance/database\n      after Instance/db goes: it holds "), std::string::npos)
      << plan.out;
  // Atomically, then back the other way.
  for (auto [from, to, how] : {std::tuple{"db", "database", "--atomic --allow-irreversible"},
                               std::tuple{"database", "db", ""}}) {
    if (std::string(from) == "database") edit("instances.yaml", "  name: database\n", "  name: db\n");
    Result apply = run(std::string("apply shop --auto-approve ") + how);
    ASSERT_EQ(apply.exit, 0) << apply.err;
    EXPECT_TRUE(before(apply.err, std::string("- Instance/") + from + ": deleted",
                       std::string("+ Instance/") + to + ": created"))
        << how << apply.err;
    EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);
  }
}

// A guest reads its keys at boot, from its seed: a new key restarts every
// instance that has it, in the same apply, after the key pair's record the
// seed is made of; an atomic apply undoes it. A new comment alone is no new
// key. (The embedded datacenter makes no seeds: tests/e2e/lxc_test.cc
// reads the new key in a guest.)
TEST_F(Change, ANewKeyRestartsTheInstancesThatCarryIt) {
  const std::string key = "AAAAC3NzaC1lZDI1NTE5AAAAIHbQ1dD3uOd5nY4Xk2q0cH7Gm0a1yXrLwz8H2n0qk9fT";
  const std::string newKey = "AAAAC3NzaC1lZDI1NTE5AAAAIC+nE6TUDs3SZ+tGmDpLB2pT3YbkSc9hophqTn1c72wp";
  edit("storage.yaml", key + " ops@webshop", key + " ops@elsewhere");
  Result plan = run("plan shop");
  EXPECT_NE(plan.out.find("   ~ KeyPair/ops\n"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("0 to create, 1 to update,"), std::string::npos) << plan.out;
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);

  edit("storage.yaml", key, newKey);
  plan = run("plan shop");
  const char* carriers[] = {"app-0", "app-1", "db", "web-0", "web-1", "web-2"};
  for (const char* instance : carriers)
    EXPECT_NE(plan.out.find(std::string("   ~ Instance/") + instance +
                            "\n      keyFingerprints.ops: \"SHA256:B+Rwvi4gGHKZC0ue1Wsu+2SbHxL5svuExsk/clSmFyU\" -> "
                            "\"SHA256:px55jh9QoPzcoCh2P4Qel0FqHo21nQ/w8vINeHEOGws\"   # restarts the instance\n"),
              std::string::npos)
        << instance << "\n" << plan.out;
  EXPECT_NE(plan.out.find("0 to create, 7 to update,"), std::string::npos) << plan.out;
  // An atomic apply that fails half-way takes the old key back to the guests it restarted.
  Result failed = shell(dir.path(), "VDC_FAULT=fail:4 " + std::string(VDC_BINARY) + " apply shop --auto-approve --atomic");
  ASSERT_EQ(failed.exit, 1) << failed.err;
  EXPECT_NE(failed.out.find("rolled back"), std::string::npos) << failed.out << failed.err;
  EXPECT_NE(run("plan shop").out.find("0 to create, 7 to update,"), std::string::npos);
  // The key pair's record first, then each guest is stopped and started again.
  Result apply = run("-v apply shop --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.err;
  for (const char* instance : carriers) {
    std::string domain = std::string("webshop.") + instance;
    EXPECT_TRUE(before(apply.err, "~ KeyPair/ops: updated", "step " + domain + " stop")) << instance << apply.err;
    EXPECT_TRUE(before(apply.err, "step " + domain + " stop", "step " + domain + " start")) << instance << apply.err;
  }
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);
}

// A saved plan names what it deletes, but the target says where it is: a
// plan edited to name another VDC's object (its digest made again) deletes
// nothing of that VDC.
TEST_F(Change, ASavedPlanNeverChoosesWhatADeleteDeletes) {
  copyExample("webshop", dir.path() / "victim");
  fs::path victimVdc = dir.path() / "victim" / "vdc.yaml";
  std::string text = readFile(victimVdc);
  writeFile(victimVdc, text.replace(text.find("name: webshop"), 13, "name: victim"));
  for (const char* file : {"networks.yaml", "instances.yaml"}) {  // its own addresses
    fs::path path = dir.path() / "victim" / file;
    writeFile(path, std::regex_replace(readFile(path), std::regex("10\\.10\\."), "10.20."));
  }
  ASSERT_EQ(run("apply victim --auto-approve").exit, 0);
  fs::path sim = dir.path() / ".vdc" / "sim.xml";
  std::string xml = readFile(sim);
  size_t at = xml.find("<name>webshop.app-1</name>");
  size_t begin = xml.rfind("<domain", at), end = xml.find("</domain>", at) + std::string("</domain>").size();
  writeFile(sim, xml.erase(begin, end - begin));  // deleted by hand: its disk and record are left
  edit("instances.yaml", "replicas: 2", "replicas: 1");
  ASSERT_EQ(run("plan shop --out saved.plan").exit, 0);
  Json plan = Json::parse(readFile(dir.path() / "saved.plan"));
  bool edited = false;
  for (auto& c : plan["changes"])
    if (c["address"] == "Instance/app-1") {
      c["physical"] = "victim.db";
      edited = true;
    }
  ASSERT_TRUE(edited) << plan.dump(1);
  plan["digest"] = Plan::digest(plan);
  writeFile(dir.path() / "saved.plan", plan.dump(1));
  Result apply = run("apply saved.plan --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.err;
  EXPECT_NE(readFile(sim).find("<name>victim.db</name>"), std::string::npos) << "the other VDC's domain is there";
  EXPECT_NE(run("plan victim").out.find("No changes"), std::string::npos);
  EXPECT_EQ(readFile(sim).find("webshop.root.app-1"), std::string::npos) << "what app-1 left went";
}

}  // namespace vdc::testing

namespace vdc::testing {

namespace {

// Renames (engine/rename.h) on the webshop: Instance/db becomes
// Instance/database and its Volume/db-data becomes Volume/data.
class Rename : public Change {
 protected:
  void renameDbAndItsVolume() {
    edit("instances.yaml", "  name: db\n", "  name: database\n  annotations: {vdc/renamed-from: db}\n");
    edit("instances.yaml", "- volume: db-data", "- volume: data");
    edit("storage.yaml", "  name: db-data\n", "  name: data\n  annotations: {vdc/renamed-from: db-data}\n");
  }

  std::string sim() { return readFile(dir.path() / ".vdc" / "sim.xml"); }

  // The UUID of domain `name`, as the datacenter holds it ("" when there is none).
  std::string uuidOf(const std::string& name) {
    std::smatch found;
    std::string text = sim();
    std::regex domain("<name>" + name + "</name>\\s*<uuid>([^<]*)</uuid>");
    return std::regex_search(text, found, domain) ? found[1].str() : "";
  }
};

}  // namespace

TEST_F(Rename, AnInstanceAndItsVolumeKeepTheirObjectsUnderNewNames) {
  std::string uuid = uuidOf("webshop.db");
  ASSERT_FALSE(uuid.empty());
  renameDbAndItsVolume();
  Result plan = run("plan shop");
  ASSERT_EQ(plan.exit, 0) << plan.err;
  EXPECT_NE(plan.out.find("   ~ Instance/db -> Instance/database (renamed)\n"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("   ~ Volume/db-data -> Volume/data (renamed)\n"), std::string::npos) << plan.out;
  EXPECT_NE(plan.out.find("Plan: 2 to rename, 0 to create, 0 to update, 0 to replace, 0 to delete"), std::string::npos)
      << plan.out;
  Result apply = run("apply shop --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.err;
  EXPECT_NE(apply.out.find("Apply complete: 2 renamed"), std::string::npos) << apply.out;
  // The same domain, on the same disk, known by its new name.
  EXPECT_EQ(uuidOf("webshop.db"), uuid);
  EXPECT_EQ(uuidOf("webshop.database"), "");
  EXPECT_EQ(poolsOf("webshop.db", "webshop.vol.db-data"), std::vector<std::string>{"standard"});
  EXPECT_NE(sim().find("kind=\"Instance\" name=\"database\""), std::string::npos);
  Result again = run("plan shop");
  EXPECT_NE(again.out.find("No changes"), std::string::npos) << again.out;
  Result show = run("show shop");
  EXPECT_NE(show.out.find("Instance/database"), std::string::npos) << show.out;
}

TEST_F(Rename, TheNameARenamedInstanceKeepsIsNoOtherResourcesToTake) {
  renameDbAndItsVolume();
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  std::string second =
      "---\napiVersion: vdc/v1\nkind: Instance\nmetadata: {name: db}\nspec: {memory: 1GiB, image: debian-12}\n";
  writeFile(dir.path() / "shop" / "more.yaml", second);
  Result plan = run("plan shop");
  EXPECT_NE(plan.err.find("Instance/database (vdc/renamed-from): Instance/db is still in the manifests"),
            std::string::npos)
      << plan.err;
  edit("instances.yaml", "  annotations: {vdc/renamed-from: db}\n", "");
  plan = run("plan shop");
  EXPECT_EQ(plan.exit, 1);
  EXPECT_NE(plan.err.find("Instance/db: its name on"), std::string::npos) << plan.err;
  EXPECT_NE(plan.err.find("'webshop.db', is kept by Instance/database, which was renamed from it"), std::string::npos)
      << plan.err;
}

TEST_F(Rename, AnApplyThatStopsHalfWayIsPutRightByTheNext) {
  renameDbAndItsVolume();
  Result failed = shell(dir.path(), "VDC_FAULT=fail:2 " + std::string(VDC_BINARY) + " apply shop --auto-approve");
  ASSERT_EQ(failed.exit, 1) << failed.err;
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);
  EXPECT_EQ(poolsOf("webshop.db", "webshop.vol.db-data"), std::vector<std::string>{"standard"});
}

TEST_F(Rename, AnAtomicApplyIsUndoneByRenamingBack) {
  renameDbAndItsVolume();
  Result before = run("plan shop --json");
  ASSERT_EQ(before.exit, 0) << before.err;
  // One rename is done, the other fails: the first is renamed back.
  Result failed = shell(dir.path(), "VDC_FAULT=fail:2 " + std::string(VDC_BINARY) +
                                        " apply shop --auto-approve --atomic --parallelism 1");
  ASSERT_EQ(failed.exit, 1) << failed.err;
  EXPECT_NE(failed.out.find("rolled back"), std::string::npos) << failed.out << failed.err;
  EXPECT_EQ(Json::parse(run("plan shop --json").out)["changes"], Json::parse(before.out)["changes"]);
  EXPECT_NE(sim().find("kind=\"Instance\" name=\"db\""), std::string::npos);
}

}  // namespace vdc::testing

namespace vdc::testing {

// Deleted by hand, a renamed machine's name is still the VDC's: a new
// resource of the old name waits until what is left of it is gone.
TEST_F(Rename, TheNameOfARenamedMachineDeletedByHandIsStillKept) {
  renameDbAndItsVolume();
  ASSERT_EQ(run("apply shop --auto-approve").exit, 0);
  std::string xml = sim();
  size_t at = xml.find("<name>webshop.db</name>");
  ASSERT_NE(at, std::string::npos);
  size_t begin = xml.rfind("<domain", at), end = xml.find("</domain>", at) + 9;
  writeFile(dir.path() / ".vdc" / "sim.xml", xml.erase(begin, end - begin));
  edit("instances.yaml", "  name: database\n  annotations: {vdc/renamed-from: db}\n", "  name: db\n");
  Result plan = run("plan shop");
  EXPECT_EQ(plan.exit, 1) << plan.out;
  EXPECT_NE(plan.err.find("Instance/db: its name on"), std::string::npos) << plan.err;
  EXPECT_NE(plan.err.find("'webshop.db', is kept by Instance/database"), std::string::npos) << plan.err;
}

// A rename that lets go of a volume deleted in the same apply lets go of it first.
TEST_F(Rename, ARenamedMachineLetsGoOfAVolumeBeforeItIsDeleted) {
  renameDbAndItsVolume();
  edit("instances.yaml", "    - volume: db-wal\n      device: vdc\n", "");
  edit("storage.yaml", "---\napiVersion: vdc/v1\nkind: Volume\nmetadata:\n  name: db-wal\nspec:\n  size: 10GiB\n", "");
  Result plan = run("plan shop");
  ASSERT_EQ(plan.exit, 0) << plan.err;
  EXPECT_NE(plan.out.find("   - Volume/db-wal"), std::string::npos) << plan.out;
  Result apply = run("apply shop --auto-approve --parallelism 1");
  ASSERT_EQ(apply.exit, 0) << apply.err;
  EXPECT_TRUE(before(apply.err, "~ Instance/database: renamed", "- Volume/db-wal: deleted")) << apply.err;
  EXPECT_NE(run("plan shop").out.find("No changes"), std::string::npos);
}

}  // namespace vdc::testing

namespace vdc::testing {

TEST_F(Rename, ARenameFromANameTheTargetDoesNotHoldIsAWarning) {
  edit("instances.yaml", "  name: db\n", "  name: database\n  annotations: {vdc/renamed-from: dbb}\n");
  Result plan = run("plan shop");
  ASSERT_EQ(plan.exit, 0) << plan.err;
  EXPECT_NE(plan.err.find("warning: "), std::string::npos) << plan.err;
  EXPECT_NE(plan.err.find("Instance/database is renamed from dbb (vdc/renamed-from), which the target does not hold: "
                          "it is made anew"),
            std::string::npos)
      << plan.err;
  EXPECT_NE(plan.out.find("   + Instance/database"), std::string::npos) << plan.out;
}

}  // namespace vdc::testing
