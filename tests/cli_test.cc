// End to end: the vdc binary against the embedded datacenter in a scratch
// directory, checked through the datacenter file and virsh.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>

#include "engine/lock.h"
#include "tests/cli_support.h"

namespace vdc::testing {

namespace {

class Cli : public ::testing::Test {
 protected:
  void SetUp() override { copyExample("webshop", dir.path() / "shop"); }

  Result apply(const std::string& extra = "") { return vdc(dir.path(), "apply shop --auto-approve " + extra); }
  Result plan(const std::string& extra = "") { return vdc(dir.path(), "plan shop --detailed-exitcode " + extra); }
  std::filesystem::path sim() const { return dir.path() / ".vdc" / "sim.xml"; }
  Result virsh(const std::string& command) {
    return shell(dir.path(), "virsh -q -c test://" + sim().string() + " " + command);
  }

  // The XML of one domain in the datacenter file.
  std::string domainXml(const std::string& name) {
    std::string xml = readFile(sim());
    auto at = xml.find("<name>" + name + "</name>");
    if (at == std::string::npos) return "";
    auto start = xml.rfind("<domain", at), end = xml.find("</domain>", at);
    return xml.substr(start, end - start);
  }

  void editSim(const std::string& from, const std::string& to, size_t after = 0) {
    std::string xml = readFile(sim());
    auto at = xml.find(from, after);
    ASSERT_NE(at, std::string::npos) << from;
    xml.replace(at, from.size(), to);
    writeFile(sim(), xml);
  }

  void editManifest(const std::string& file, const std::string& from, const std::string& to) {
    auto path = dir.path() / "shop" / file;
    std::string text = readFile(path);
    auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    writeFile(path, text);
  }

  TempDir dir;
};

}  // namespace

TEST_F(Cli, ApplyThenPlanIsANoOp) {
  Result first = apply();
  ASSERT_EQ(first.exit, 0) << first.err;
  EXPECT_NE(first.out.find("Apply complete: 18 created"), std::string::npos) << first.out;
  EXPECT_NE(first.err.find("+ Instance/web-0: created ("), std::string::npos) << first.err;
  Result again = plan();
  EXPECT_EQ(again.exit, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("No changes"), std::string::npos);

  Result list = virsh("list --all --name");
  EXPECT_NE(list.out.find("webshop.web-0"), std::string::npos) << list.out << list.err;
  EXPECT_NE(list.out.find("webshop.lb.shop"), std::string::npos) << list.out;
  Result nets = virsh("net-list --all --name");
  EXPECT_NE(nets.out.find("webshop.frontend"), std::string::npos) << nets.out;
  Result vols = virsh("vol-list standard");
  EXPECT_NE(vols.out.find("webshop.vol.db-data"), std::string::npos) << vols.out;
}

TEST_F(Cli, DriftInTheDatacenterFileIsDetectedAndHealed) {
  { Result applied = apply(); ASSERT_EQ(applied.exit, 0) << applied.out << applied.err; }
  std::string web = domainXml("webshop.web-0");
  ASSERT_NE(web.find("<vcpu placement='static'>2</vcpu>"), std::string::npos) << web;
  editSim("<vcpu placement='static'>2</vcpu>", "<vcpu placement='static'>6</vcpu>",
          readFile(sim()).find("<name>webshop.web-0</name>"));
  editSim("<test:runstate>1</test:runstate>", "<test:runstate>5</test:runstate>",
          readFile(sim()).find("<name>webshop.db</name>"));

  Result drift = plan();
  EXPECT_EQ(drift.exit, 2) << drift.err;
  EXPECT_NE(drift.out.find("~ Instance/web-0 (drift)\n      cpus: 6 -> 2"), std::string::npos) << drift.out;
  EXPECT_NE(drift.out.find("~ Instance/db (drift)\n      state: \"stopped\" -> \"running\""), std::string::npos)
      << drift.out;
  EXPECT_NE(drift.out.find("2 to update"), std::string::npos) << drift.out;
  Result shown = vdc(dir.path(), "show shop");
  EXPECT_NE(shown.out.find("running  changed, drifted: cpus\n"), std::string::npos) << shown.out;
  Json json = Json::parse(vdc(dir.path(), "show --json shop").out);
  int checked = 0;
  for (const auto& r : json["resources"]) {
    if (r["address"] == "Instance/db") {
      EXPECT_EQ(r["drifted"], Json::parse(R"(["state"])")) << r.dump();
      EXPECT_EQ(r["state"], "stopped") << r.dump();
      ++checked;
    }
    if (r["address"] == "Network/backend") {
      EXPECT_EQ(r["drifted"], Json::array()) << r.dump();
      EXPECT_EQ(r["state"], nullptr) << r.dump();
      ++checked;
    }
  }
  EXPECT_EQ(checked, 2);

  { Result applied = apply(); ASSERT_EQ(applied.exit, 0) << applied.out << applied.err; }
  EXPECT_EQ(plan().exit, 0);
  EXPECT_NE(domainXml("webshop.web-0").find("<vcpu placement='static'>2</vcpu>"), std::string::npos);
  EXPECT_NE(domainXml("webshop.db").find("<test:runstate>1</test:runstate>"), std::string::npos);
}

TEST_F(Cli, AnUpdateChangesOnlyWhatChanged) {
  { Result applied = apply(); ASSERT_EQ(applied.exit, 0) << applied.out << applied.err; }
  std::string webBefore = domainXml("webshop.web-0"), dbBefore = domainXml("webshop.db");
  std::string appBefore = domainXml("webshop.app-0");
  editManifest("instances.yaml", "  memory: 4GiB", "  memory: 6GiB");

  Result changes = plan();
  EXPECT_EQ(changes.exit, 2);
  EXPECT_NE(changes.out.find("~ Instance/app-0\n      memory: \"4GiB\" -> \"6GiB\""), std::string::npos) << changes.out;
  EXPECT_NE(changes.out.find("Plan: 0 to create, 2 to update, 0 to replace, 0 to delete, 16 unchanged."),
            std::string::npos)
      << changes.out;
  { Result applied = apply(); ASSERT_EQ(applied.exit, 0) << applied.out << applied.err; }
  EXPECT_TRUE(domainXml("webshop.web-0") == webBefore) << "an untouched domain changed";
  EXPECT_TRUE(domainXml("webshop.db") == dbBefore) << "an untouched domain changed";
  std::string appAfter = domainXml("webshop.app-0");
  EXPECT_FALSE(appAfter == appBefore);
  EXPECT_NE(appAfter.find("<memory unit='KiB'>6291456</memory>"), std::string::npos) << appAfter;
  // Same domain, redefined in place: its UUID stays.
  std::regex uuid("<uuid>([0-9a-f-]+)</uuid>");
  std::smatch before, after;
  ASSERT_TRUE(std::regex_search(appBefore, before, uuid));
  ASSERT_TRUE(std::regex_search(appAfter, after, uuid));
  EXPECT_EQ(before[1], after[1]);
  EXPECT_EQ(plan().exit, 0);
}

TEST_F(Cli, ScalingAndRemovingResourcesDeletesThem) {
  { Result applied = apply(); ASSERT_EQ(applied.exit, 0) << applied.out << applied.err; }
  editManifest("instances.yaml", "  replicas: 3", "  replicas: 2");
  std::string instances = readFile(dir.path() / "shop" / "instances.yaml");
  writeFile(dir.path() / "shop" / "instances.yaml", instances.substr(0, instances.find("---\napiVersion: vdc/v1\nkind: LoadBalancer")));
  Result changes = plan();
  EXPECT_EQ(changes.exit, 2);
  EXPECT_NE(changes.out.find("   - Instance/web-2 (deletes 'webshop.web-2') (cannot be undone: its root disk's data is "
                             "lost)\n"),
            std::string::npos) << changes.out;
  EXPECT_NE(changes.out.find("   - LoadBalancer/shop (deletes 'webshop.lb.shop')\n"), std::string::npos) << changes.out;
  // The groups web-2 was a member of, or a peer of, lose its address.
  EXPECT_NE(changes.out.find("   ~ SecurityGroup/web\n      members: [\"10.10.1.2\",\"10.10.1.3\",\"10.10.1.4\"] -> "
                             "[\"10.10.1.2\",\"10.10.1.3\"]\n"),
            std::string::npos)
      << changes.out;
  EXPECT_NE(changes.out.find("   ~ SecurityGroup/app\n"), std::string::npos) << changes.out;
  EXPECT_NE(changes.out.find("0 to create, 2 to update, 0 to replace, 2 to delete"), std::string::npos) << changes.out;
  { Result applied = apply(); ASSERT_EQ(applied.exit, 0) << applied.out << applied.err; }
  Result list = virsh("list --all --name");
  EXPECT_EQ(list.out.find("webshop.web-2"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("webshop.lb.shop"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("webshop.web-1"), std::string::npos) << list.out;
  EXPECT_EQ(plan().exit, 0);
}

TEST_F(Cli, ObjectsVdcDoesNotOwnAreNeverTouched) {
  { Result applied = apply(); ASSERT_EQ(applied.exit, 0) << applied.out << applied.err; }
  // A hand-made domain that squats a name of this VDC, and one that does not.
  std::string squatter =
      "<domain type='test'><name>webshop.extra</name><memory>1024</memory><os><type>hvm</type></os></domain>\n"
      "<domain type='test'><name>legacy</name><memory>1024</memory><os><type>hvm</type></os></domain>\n";
  editSim("</node>", squatter + "</node>");

  Result noop = plan();
  EXPECT_EQ(noop.exit, 0) << noop.out << noop.err;  // neither is ours, neither is deleted

  writeFile(dir.path() / "shop" / "extra.yaml",
            "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: extra}\nspec: {cpus: 1}\n");
  Result conflict = plan();
  EXPECT_EQ(conflict.exit, 1);
  EXPECT_NE(conflict.err.find("'webshop.extra' already exists on embedded datacenter .vdc/sim.xml and was not created by vdc"),
            std::string::npos)
      << conflict.err;
  EXPECT_EQ(apply().exit, 1);

  std::filesystem::remove(dir.path() / "shop" / "extra.yaml");
  Result destroy = vdc(dir.path(), "destroy shop --auto-approve");
  ASSERT_EQ(destroy.exit, 0) << destroy.err;
  Result list = virsh("list --all --name");
  EXPECT_NE(list.out.find("webshop.extra"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("legacy"), std::string::npos) << list.out;
  EXPECT_EQ(list.out.find("webshop.web-0"), std::string::npos) << list.out;
}

// A record copied onto another object proves nothing: it is believed only on
// the object whose name vdc derives for it (or that the VDC's own record
// lists as adopted).
TEST_F(Cli, ARecordCopiedOntoAnotherObjectDoesNotMakeItTheVdcs) {
  { Result applied = apply(); ASSERT_EQ(applied.exit, 0) << applied.out << applied.err; }
  std::string xml = readFile(sim());
  auto metadataOf = [&](const std::string& name) {
    size_t at = xml.find("<name>" + name + "</name>");
    size_t begin = xml.find("<metadata>", at), end = xml.find("</metadata>", at) + 11;
    return xml.substr(begin, end - begin);
  };
  std::string db = metadataOf("webshop.db"), net = metadataOf("webshop.backend");
  std::string ghost = db;
  ghost.replace(ghost.find("name=\"db\""), 9, "name=\"ghost\"");
  std::string ghostNet = net;
  ghostNet.replace(ghostNet.find("name=\"backend\""), 14, "name=\"ghost\"");
  std::string forged =
      "<domain type='test'><name>prod-db</name>" + ghost + "<memory>1024</memory><os><type>hvm</type></os></domain>\n"
      "<domain type='test'><name>prod-db2</name>" + db + "<memory>1024</memory><os><type>hvm</type></os></domain>\n"
      "<network><name>corp-net</name>" + ghostNet + "<bridge name='corp0'/></network>\n";
  editSim("</node>", forged + "</node>");

  Result noop = vdc(dir.path(), "plan shop --detailed-exitcode");
  EXPECT_EQ(noop.exit, 0) << noop.out << noop.err;
  EXPECT_NE(noop.out.find("! Instance/ghost: 'prod-db' carries a record of this VDC but is not its own; left alone"),
            std::string::npos)
      << noop.out;
  EXPECT_NE(noop.out.find("! Network/ghost: 'corp-net' carries a record"), std::string::npos) << noop.out;
  Result shown = vdc(dir.path(), "show shop --json");
  EXPECT_EQ(shown.out.find("prod-db"), std::string::npos) << shown.out;
  EXPECT_EQ(shown.out.find("corp-net"), std::string::npos) << shown.out;

  Result destroyPlan = vdc(dir.path(), "plan shop --destroy");
  EXPECT_NE(destroyPlan.out.find("   - Instance/db (deletes 'webshop.db')"), std::string::npos) << destroyPlan.out;
  EXPECT_EQ(destroyPlan.out.find("deletes 'prod-db"), std::string::npos) << destroyPlan.out;
  Result destroy = vdc(dir.path(), "destroy shop --auto-approve");
  ASSERT_EQ(destroy.exit, 0) << destroy.err;
  Result domains = virsh("list --all --name"), networks = virsh("net-list --all --name");
  EXPECT_NE(domains.out.find("prod-db\n"), std::string::npos) << domains.out;
  EXPECT_NE(domains.out.find("prod-db2"), std::string::npos) << domains.out;
  EXPECT_NE(networks.out.find("corp-net"), std::string::npos) << networks.out;
  EXPECT_EQ(domains.out.find("webshop.db"), std::string::npos) << domains.out;
}

TEST_F(Cli, DestroyLeavesNothingOwnedBehind) {
  { Result applied = apply(); ASSERT_EQ(applied.exit, 0) << applied.out << applied.err; }
  Result destroy = vdc(dir.path(), "destroy shop --auto-approve");
  ASSERT_EQ(destroy.exit, 0) << destroy.err;
  EXPECT_NE(destroy.out.find("18 deleted"), std::string::npos) << destroy.out;
  std::string xml = readFile(sim());
  EXPECT_EQ(xml.find("webshop."), std::string::npos) << xml;
  EXPECT_EQ(xml.find("urn:vdc:ownership"), std::string::npos) << xml;
  Result again = vdc(dir.path(), "plan shop --destroy --detailed-exitcode");
  EXPECT_EQ(again.exit, 0) << again.out;
}

TEST_F(Cli, ASavedPlanRunsExactlyAndIsRefusedWhenStale) {
  Result saved = vdc(dir.path(), "plan shop --out first.plan");
  ASSERT_EQ(saved.exit, 0) << saved.err;
  // The manifests change after the plan was saved: the plan still does what it said.
  editManifest("instances.yaml", "  replicas: 3", "  replicas: 4");
  Result run = vdc(dir.path(), "apply first.plan");
  ASSERT_EQ(run.exit, 0) << run.err;
  EXPECT_NE(run.out.find("18 created"), std::string::npos) << run.out;
  EXPECT_EQ(virsh("list --all --name").out.find("webshop.web-3"), std::string::npos);

  ASSERT_EQ(vdc(dir.path(), "plan shop --out second.plan").exit, 0);
  editSim("<test:runstate>1</test:runstate>", "<test:runstate>5</test:runstate>",
          readFile(sim()).find("<name>webshop.lb.shop</name>"));
  std::string drifted = readFile(sim());
  Result stale = vdc(dir.path(), "apply second.plan");
  EXPECT_EQ(stale.exit, 1);
  EXPECT_NE(stale.err.find("is stale"), std::string::npos) << stale.err;
  EXPECT_TRUE(readFile(sim()) == drifted) << "the datacenter changed";
}

// Manifests carry user-data and keys: what vdc makes of them is its user's
// alone, whatever the umask it was started with.
TEST_F(Cli, WhatVdcKeepsIsPrivateToItsUser) {
  namespace fs = std::filesystem;
  auto mode = [&](const fs::path& path) { return fs::status(dir.path() / path).permissions() & fs::perms::all; };
  ASSERT_EQ(shell(dir.path(), "umask 000 && " VDC_BINARY " apply shop --auto-approve && " VDC_BINARY
                              " plan shop --out shop.plan && " VDC_BINARY " export shop -o shop.vdcb").exit, 0);
  EXPECT_EQ(mode(".vdc"), fs::perms::owner_all);
  for (const char* file : {".vdc/sim.xml", "shop.plan", "shop.vdcb"})
    EXPECT_EQ(mode(file), fs::perms::owner_read | fs::perms::owner_write) << file;
  for (const auto& entry : fs::recursive_directory_iterator(dir.path() / ".vdc"))
    EXPECT_EQ(entry.status().permissions() & (fs::perms::group_all | fs::perms::others_all), fs::perms::none)
        << entry.path();
}

TEST_F(Cli, InvalidManifestsApplyNothing) {
  writeFile(dir.path() / "shop" / "broken.yaml",
            "apiVersion: vdc/v1\nkind: Instance\nmetadata: {name: broken}\nspec: {cpus: 2, memroy: 1GiB, image: nope}\n");
  Result run = apply();
  EXPECT_EQ(run.exit, 1);
  EXPECT_NE(run.err.find("shop/broken.yaml:4:17: unknown field 'memroy' in spec (did you mean 'memory'?)"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("shop/broken.yaml:4:38: Image 'nope' referenced by spec.image does not exist"),
            std::string::npos)
      << run.err;
  EXPECT_NE(run.err.find("2 errors; nothing was changed."), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(sim()));
  EXPECT_EQ(vdc(dir.path(), "validate shop").exit, 1);
}

TEST_F(Cli, ASecondApplyIsRefusedNamingTheHolder) {
  std::string holder;
  auto lock = FileLocks((dir.path() / ".vdc").string()).tryAcquire("webshop", "vdc apply (test)", holder);
  ASSERT_TRUE(lock);
  Result run = apply();
  EXPECT_EQ(run.exit, 1);
  EXPECT_NE(run.err.find("is locked by vdc apply (test) (pid"), std::string::npos) << run.err;
}

TEST_F(Cli, ApplyWithoutATerminalNeedsAutoApprove) {
  Result run = vdc(dir.path(), "apply shop");
  EXPECT_EQ(run.exit, 1);
  EXPECT_NE(run.err.find("pass --auto-approve"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(sim()) && readFile(sim()).find("webshop.") != std::string::npos);
}

TEST_F(Cli, JsonPlanAndShow) {
  Result json = vdc(dir.path(), "plan shop --json");
  ASSERT_EQ(json.exit, 0) << json.err;
  Json plan = Json::parse(json.out);
  EXPECT_EQ(plan["summary"]["create"], 18);
  EXPECT_EQ(plan["changes"][0]["address"], "VirtualDataCenter/webshop");
  { Result applied = apply(); ASSERT_EQ(applied.exit, 0) << applied.out << applied.err; }
  Result show = vdc(dir.path(), "show shop --json");
  ASSERT_EQ(show.exit, 0) << show.err;
  Json live = Json::parse(show.out);
  EXPECT_EQ(live["resources"].size(), 18u);
  for (const auto& r : live["resources"]) EXPECT_EQ(r["status"], "in sync") << r.dump();
  Result table = vdc(dir.path(), "show shop");
  EXPECT_NE(table.out.find("Instance/web-0             webshop.web-0"), std::string::npos) << table.out;
}

TEST_F(Cli, GraphPrintsDot) {
  Result graph = vdc(dir.path(), "graph shop");
  ASSERT_EQ(graph.exit, 0);
  EXPECT_NE(graph.out.find("\"LoadBalancer/shop\" -> \"Instance/web-2\";"), std::string::npos) << graph.out;
  EXPECT_NE(graph.out.find("\"Instance/db\" -> \"Volume/db-data\";"), std::string::npos) << graph.out;
}

}  // namespace vdc::testing

namespace vdc::testing {

// plans/NAME.plan.txt is the reviewed plan of examples/NAME against an empty
// datacenter (scripts/update-plans.sh writes them). An example that is a
// repository layout (examples/gitops) keeps its VDC in vdc/; examples/targets
// (Targets) and examples/serve (a server's configuration) are not VDCs.
TEST(GoldenPlans, EveryExampleStillPlansAsReviewed) {
  size_t compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(example(""))) {
    std::string name = entry.path().filename().string();
    if (!entry.is_directory() || name == "targets" || name == "serve") continue;
    auto golden = std::filesystem::path(VDC_SOURCE_DIR) / "plans" / (name + ".plan.txt");
    ASSERT_TRUE(std::filesystem::exists(golden)) << "no reviewed plan for examples/" << name;
    auto directory = std::filesystem::is_directory(entry.path() / "vdc") ? entry.path() / "vdc" : entry.path();
    TempDir scratch;
    Result plan = vdc(scratch.path(), "plan " + directory.string());
    ASSERT_EQ(plan.exit, 0) << plan.err;
    EXPECT_EQ(plan.out, readFile(golden)) << "examples/" << name << " no longer plans as plans/" << name
                                          << ".plan.txt says; review and run scripts/update-plans.sh";
    ++compared;
  }
  EXPECT_GE(compared, 3u);
}

}  // namespace vdc::testing

namespace vdc::testing {

TEST_F(Cli, AFailureSkipsDependentsAndTheNextApplyConverges) {
  // A volume vdc did not make sits where web-1's root disk would go.
  ASSERT_EQ(vdc(dir.path(), "validate shop").exit, 0);
  writeFile(sim(),
            "<node>\n<pool type='dir'><name>standard</name><target><path>/p</path></target>\n"
            "<volume><name>webshop.root.web-1</name><capacity>1024</capacity></volume>\n</pool>\n</node>\n");
  Result failed = apply();
  EXPECT_EQ(failed.exit, 1);
  EXPECT_NE(failed.err.find("Instance/web-1: failed: volume 'webshop.root.web-1' already exists and was not created by vdc"),
            std::string::npos)
      << failed.err;
  EXPECT_NE(failed.err.find("LoadBalancer/shop: skipped: Instance/web-1 failed"), std::string::npos) << failed.err;
  EXPECT_NE(failed.out.find("Apply failed: 16 done, 1 failed, 1 skipped"), std::string::npos) << failed.out;
  EXPECT_NE(virsh("list --all --name").out.find("webshop.web-2"), std::string::npos);  // independent work went on
  EXPECT_NE(readFile(sim()).find("<capacity unit='bytes'>1024</capacity>"), std::string::npos);  // left alone

  // Once the obstacle is gone, apply does what is left and nothing more.
  std::string xml = readFile(sim());
  auto start = xml.find("<volume type='file'>\n  <name>webshop.root.web-1</name>");
  ASSERT_NE(start, std::string::npos);
  xml.erase(start, xml.find("</volume>", start) + 10 - start);
  writeFile(sim(), xml);
  Result converge = apply();
  ASSERT_EQ(converge.exit, 0) << converge.err;
  EXPECT_NE(converge.out.find("Plan: 2 to create, 0 to update, 0 to replace, 0 to delete, 16 unchanged."),
            std::string::npos)
      << converge.out;
  EXPECT_EQ(plan().exit, 0);
}

TEST_F(Cli, InterruptedApplyFinishesInFlightWorkAndConverges) {
  std::string big = "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: big}\n";
  for (int i = 0; i < 3000; ++i)
    big += "---\napiVersion: vdc/v1\nkind: Instance\nmetadata: {name: vm-" + std::to_string(i) + "}\nspec: {cpus: 1}\n";
  writeFile(dir.path() / "big" / "vdc.yaml", big);
  // Ctrl-C while the second operation is under way.
  Result interrupted =
      shell(dir.path(), startHeld("VDC_FAULT=hold:2 " + std::string(VDC_BINARY) + " apply big --auto-approve --parallelism 2 2>progress",
                                  "progress") +
                            "kill -INT $holder; until grep -q Interrupted progress || ! kill -0 $holder 2>/dev/null; do sleep 0.01; done; "
                            "kill -CONT $holder; wait $holder; code=$?; cat progress >&2; exit $code");
  EXPECT_EQ(interrupted.exit, 1) << interrupted.err.substr(0, 2000);
  EXPECT_NE(interrupted.err.find("Interrupted: letting in-flight operations finish"), std::string::npos);
  EXPECT_NE(interrupted.out.find("Apply interrupted:"), std::string::npos) << interrupted.out;
  EXPECT_NE(interrupted.out.find("not started"), std::string::npos) << interrupted.out;
  // What was done is saved; the next apply does the rest.
  Result rest = vdc(dir.path(), "apply big --auto-approve");
  ASSERT_EQ(rest.exit, 0) << rest.err.substr(0, 2000);
  EXPECT_EQ(rest.out.find("3001 to create"), std::string::npos) << "the interrupted work was lost";
  EXPECT_EQ(vdc(dir.path(), "plan big --detailed-exitcode").exit, 0);
}

// A long step does not wait out a stop: Ctrl-C while an image's 16 GiB (a
// sparse file: 15 s of hashing) are read ends the apply at once, with no
// volume left behind; the next apply makes the image anew.
TEST_F(Cli, AStopEndsTheCopyOfALargeImagePromptlyLeavingNothing) {
  writeFile(dir.path() / "big" / "vdc.yaml",
            "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: big}\n---\napiVersion: vdc/v1\n"
            "kind: Image\nmetadata: {name: base}\nspec: {source: base.raw, format: raw}\n");
  ASSERT_EQ(shell(dir.path(), "truncate -s 16G big/base.raw").exit, 0);
  // Held before the image's call (the second, after the VDC's); let go, and
  // a fifth of a second later, in its copy of 15 s, interrupted.
  Result interrupted = shell(
      dir.path(),
      startHeld("VDC_FAULT=hold:2 " + std::string(VDC_BINARY) + " apply big --auto-approve 2>progress", "progress") +
          "kill -CONT $holder; sleep 0.2; " + interruptAndTime("progress"));
  EXPECT_EQ(interrupted.exit, 1) << interrupted.err;
  EXPECT_NE(interrupted.err.find("interrupted while copying image"), std::string::npos) << interrupted.err;
  ASSERT_GE(interruptTook(interrupted.err), 0) << interrupted.err;
  EXPECT_LT(interruptTook(interrupted.err), 2000) << "a copy of 15 s was waited for";
  EXPECT_EQ(readFile(sim()).find("big.img.base"), std::string::npos) << "the image's volume was left behind";
  Result again = vdc(dir.path(), "plan big");
  EXPECT_NE(again.out.find("Plan: 1 to create"), std::string::npos) << again.out;
}

// The undo that answers a stop of --atomic runs its copies to their end:
// the image the apply replaced comes back from its 8 MiB source although
// the stop is still asked.
TEST_F(Cli, AStoppedAtomicApplyStillCopiesWhatItsUndoBringsBack) {
  auto vdcWith = [](const std::string& source) {
    return "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: big}\n---\napiVersion: vdc/v1\n"
           "kind: Image\nmetadata: {name: base}\nspec: {source: " + source + ", format: raw}\n";
  };
  writeFile(dir.path() / "big" / "vdc.yaml", vdcWith("old.raw"));
  writeFile(dir.path() / "big" / "old.raw", std::string(8 << 20, 'x'));
  ASSERT_EQ(vdc(dir.path(), "apply big --auto-approve").exit, 0);
  writeFile(dir.path() / "big" / "vdc.yaml", vdcWith("new.raw"));
  ASSERT_EQ(shell(dir.path(), "truncate -s 16G big/new.raw").exit, 0);
  Result interrupted = shell(
      dir.path(),
      startHeld("VDC_FAULT=hold:1 " + std::string(VDC_BINARY) + " apply big --auto-approve --atomic 2>progress",
                "progress") +
          "kill -CONT $holder; sleep 0.3; kill -INT $holder; wait $holder; code=$?; cat progress >&2; exit $code");
  EXPECT_EQ(interrupted.exit, 1) << interrupted.err;
  EXPECT_NE(interrupted.err.find("interrupted while copying image"), std::string::npos) << interrupted.err;
  EXPECT_NE(interrupted.out.find("Apply interrupted and rolled back"), std::string::npos) << interrupted.out;
  EXPECT_NE(readFile(sim()).find("big.img.base"), std::string::npos) << "the old image is gone";
  Result again = vdc(dir.path(), "plan big");
  EXPECT_NE(again.out.find("Plan: 0 to create, 0 to update, 1 to replace"), std::string::npos) << again.out;
}

TEST_F(Cli, ConfirmationOnATerminal) {
  // `script` gives vdc a terminal; what we type arrives on it.
  Result no = shell(dir.path(), "echo no | script -qec '" + std::string(VDC_BINARY) + " apply shop' /dev/null");
  EXPECT_EQ(no.exit, 1) << no.out;
  EXPECT_NE(no.out.find("Only 'yes' will be accepted"), std::string::npos) << no.out;
  EXPECT_NE(no.out.find("Cancelled; nothing was changed."), std::string::npos) << no.out;
  EXPECT_FALSE(std::filesystem::exists(sim()) && readFile(sim()).find("webshop.") != std::string::npos);
  Result yes = shell(dir.path(), "echo yes | script -qec '" + std::string(VDC_BINARY) + " apply shop' /dev/null");
  EXPECT_EQ(yes.exit, 0) << yes.out;
  EXPECT_NE(yes.out.find("\r\033[K"), std::string::npos) << "no live progress line on a terminal";
  EXPECT_NE(yes.out.find("Apply complete: 18 created"), std::string::npos) << yes.out;
}

}  // namespace vdc::testing

namespace vdc::testing {

TEST_F(Cli, ATargetFileNamesTheDatacenter) {
  writeFile(dir.path() / "laptop.yaml",
            "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: laptop}\nspec:\n  embedded: {path: dc/laptop.xml}\n");
  Result applied = vdc(dir.path(), "apply shop --auto-approve --target laptop.yaml");
  ASSERT_EQ(applied.exit, 0) << applied.err;
  EXPECT_NE(applied.out.find("VDC webshop on embedded datacenter dc/laptop.xml"), std::string::npos) << applied.out;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "dc" / "laptop.xml"));
  EXPECT_FALSE(std::filesystem::exists(sim()));  // the default datacenter was not touched
  EXPECT_EQ(vdc(dir.path(), "plan shop --detailed-exitcode --target laptop.yaml").exit, 0);
  EXPECT_EQ(vdc(dir.path(), "plan shop --detailed-exitcode").exit, 2);  // a different, empty datacenter

  writeFile(dir.path() / "bad.yaml", "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: bad}\nspec:\n  embeded: {}\n");
  Result bad = vdc(dir.path(), "plan shop --target bad.yaml");
  EXPECT_EQ(bad.exit, 1);
  EXPECT_NE(bad.err.find("bad.yaml:5:3: unknown field 'embeded' in Target spec (did you mean 'embedded'?)"),
            std::string::npos)
      << bad.err;

  // The switch's fields, every error at once.
  writeFile(dir.path() / "switch.yaml",
            "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: s}\nspec:\n  hosts: [{uri: qemu:///system}]\n"
            "  switch: {type: openflow, datapathtype: netdev}\n");
  Result sw = vdc(dir.path(), "plan shop --target switch.yaml");
  EXPECT_EQ(sw.exit, 1);
  EXPECT_NE(sw.err.find("switch type must be bridge or ovs, not 'openflow'"), std::string::npos) << sw.err;
  EXPECT_NE(sw.err.find("unknown field 'datapathtype' in Target switch (did you mean 'datapathType'?)"), std::string::npos)
      << sw.err;
}

}  // namespace vdc::testing

namespace vdc::testing {

// Security groups and key pairs live in the VDC's record; a change to one
// must survive the datacenter being saved and loaded again.
TEST_F(Cli, RecordedResourcesUpdateAcrossRuns) {
  { Result applied = apply(); ASSERT_EQ(applied.exit, 0) << applied.err; }
  editManifest("security.yaml", "ports: \"8080\", from: web", "ports: \"8443\", from: web");
  Result changes = plan();
  EXPECT_EQ(changes.exit, 2);
  EXPECT_NE(changes.out.find("~ SecurityGroup/app\n      ingress[0].ports: \"8080\" -> \"8443\""), std::string::npos)
      << changes.out;
  { Result applied = apply(); ASSERT_EQ(applied.exit, 0) << applied.err; }
  Result after = plan();
  EXPECT_EQ(after.exit, 0) << after.out;
  std::filesystem::remove(dir.path() / "shop" / "security.yaml");
  std::string instances = readFile(dir.path() / "shop" / "instances.yaml");
  for (const char* group : {"[web]", "[app]", "[db]"})
    for (auto at = instances.find(group); at != std::string::npos; at = instances.find(group))
      instances.replace(at, std::string(group).size(), "[]");
  writeFile(dir.path() / "shop" / "instances.yaml", instances);
  { Result applied = apply(); ASSERT_EQ(applied.exit, 0) << applied.err; }
  EXPECT_EQ(plan().exit, 0);
  EXPECT_EQ(readFile(sim()).find("kind=\"SecurityGroup\""), std::string::npos);
}

}  // namespace vdc::testing

namespace vdc::testing {

TEST_F(Cli, TwoConcurrentAppliesOneRunsTheOtherIsRefused) {
  // The first apply holds the lock and waits at its first call while the second one starts.
  Result both = shell(dir.path(), startHeld("VDC_FAULT=hold:1 " + std::string(VDC_BINARY) + " apply shop --auto-approve >first.out 2>&1",
                                            "first.out") +
                                      VDC_BINARY + " apply shop --auto-approve; code=$?; kill -CONT $holder; wait $holder; "
                                      "cat first.out; exit $code");
  EXPECT_EQ(both.exit, 1);
  EXPECT_NE(both.err.find("is locked by vdc apply (pid"), std::string::npos) << both.err;
  EXPECT_NE(both.out.find("held by VDC_FAULT at call 1"), std::string::npos) << both.out;
  EXPECT_NE(both.out.find("Apply complete: 18 created"), std::string::npos) << both.out;  // the first one
  EXPECT_EQ(plan().exit, 0);
}

// Mistakes on the command line: said as such, exit 1 (2 means changes,
// and only with --detailed-exitcode), and help only for what exists.
TEST_F(Cli, AnUnknownCommandOrFlagIsAnErrorThatSaysSo) {
  Result unknown = vdc(dir.path(), "plna shop");
  EXPECT_EQ(unknown.exit, 1);
  EXPECT_NE(unknown.err.find("unknown command 'plna' (did you mean 'plan'?)"), std::string::npos) << unknown.err;
  Result help = vdc(dir.path(), "nonsense --help");
  EXPECT_EQ(help.exit, 1);
  EXPECT_NE(help.err.find("unknown command 'nonsense'"), std::string::npos) << help.err;
  EXPECT_EQ(help.out.find("Subcommands"), std::string::npos) << "the general help was printed";
  Result flag = vdc(dir.path(), "plan shop --detailed-exitcod");
  EXPECT_EQ(flag.exit, 1);
  EXPECT_NE(flag.err.find("--detailed-exitcod"), std::string::npos) << flag.err;
  EXPECT_NE(flag.err.find("`vdc plan --help`"), std::string::npos) << flag.err;
  Result none = vdc(dir.path(), "");
  EXPECT_EQ(none.exit, 1);
  EXPECT_NE(none.err.find("no command given"), std::string::npos) << none.err;
  // What exists still helps, and succeeds.
  EXPECT_EQ(vdc(dir.path(), "plan --help").exit, 0);
  EXPECT_EQ(vdc(dir.path(), "--help").exit, 0);
  Result version = vdc(dir.path(), "--version");
  EXPECT_EQ(version.exit, 0);
  EXPECT_NE(version.out.find("vdc 0."), std::string::npos) << version.out;
}

}  // namespace vdc::testing
