// The files vdc keeps under .vdc/ (the embedded datacenter, its lock, the
// VDCs' apply locks) are hostile input too: a link, a FIFO or a directory
// others can write, planted at any of their names, makes vdc refuse and
// write nothing through it. And one datacenter file serves several VDCs
// applied at the same time without one losing the other's objects.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/cli_support.h"

namespace vdc::testing {

namespace {

namespace fs = std::filesystem;

std::string smallVdc(const std::string& name, int octet) {
  return "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: " + name +
         "}\n---\napiVersion: vdc/v1\nkind: Network\nmetadata: {name: net}\nspec: {cidr: 10." + std::to_string(octet) +
         ".0.0/24}\n---\napiVersion: vdc/v1\nkind: Instance\nmetadata: {name: web}\nspec:\n  cpus: 1\n"
         "  replicas: 3\n  interfaces: [{network: net}]\n";
}

class StateFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    writeFile(dir.path() / "alpha" / "vdc.yaml", smallVdc("alpha", 1));
    writeFile(dir.path() / "beta" / "vdc.yaml", smallVdc("beta", 2));
    writeFile(dir.path() / "outside" / "precious", "keep me\n");
  }
  Result apply(const std::string& vdcName) { return vdc(dir.path(), "apply " + vdcName + " --auto-approve"); }
  std::string precious() { return readFile(dir.path() / "outside" / "precious"); }

  TempDir dir;
};

}  // namespace

TEST_F(StateFiles, ALinkAtAnyNameVdcWritesMakesItRefuseAndWriteNothingThroughIt) {
  ASSERT_EQ(apply("alpha").exit, 0);
  for (const std::string name : {"sim.xml", "sim.xml.lock", "beta.lock"}) {
    fs::path planted = dir.path() / ".vdc" / name;
    fs::path kept = dir.path() / ".vdc" / (name + ".kept");
    if (fs::exists(planted)) fs::rename(planted, kept);
    fs::create_symlink(dir.path() / "outside" / "precious", planted);
    Result refused = apply("beta");
    EXPECT_EQ(refused.exit, 1) << name;
    EXPECT_NE(refused.err.find("is a symbolic link"), std::string::npos) << name << ": " << refused.err;
    EXPECT_EQ(precious(), "keep me\n") << name << " was written through";
    EXPECT_TRUE(fs::is_symlink(planted)) << name;
    fs::remove(planted);
    if (fs::exists(kept)) fs::rename(kept, planted);
  }
  // A FIFO in the file's place is refused at once, not read (which would hang).
  fs::rename(dir.path() / ".vdc" / "sim.xml", dir.path() / "sim.xml.kept");
  ASSERT_EQ(mkfifo((dir.path() / ".vdc" / "sim.xml").c_str(), 0600), 0);
  Result fifo = vdc(dir.path(), "plan beta");
  EXPECT_EQ(fifo.exit, 1);
  EXPECT_NE(fifo.err.find("is not a regular file"), std::string::npos) << fifo.err;
  fs::remove(dir.path() / ".vdc" / "sim.xml");
  fs::rename(dir.path() / "sim.xml.kept", dir.path() / ".vdc" / "sim.xml");

  // The directory itself: a link to elsewhere, or writable by anyone.
  fs::rename(dir.path() / ".vdc", dir.path() / "vdc-state");
  fs::create_symlink(dir.path() / "outside", dir.path() / ".vdc");
  Result linked = apply("beta");
  EXPECT_EQ(linked.exit, 1);
  EXPECT_NE(linked.err.find(".vdc is a symbolic link"), std::string::npos) << linked.err;
  EXPECT_EQ(fs::directory_iterator(dir.path() / "outside")->path().filename(), "precious");
  fs::remove(dir.path() / ".vdc");
  fs::rename(dir.path() / "vdc-state", dir.path() / ".vdc");
  fs::permissions(dir.path() / ".vdc", fs::perms::others_write, fs::perm_options::add);
  Result open = apply("beta");
  EXPECT_EQ(open.exit, 1);
  EXPECT_NE(open.err.find("is writable by others"), std::string::npos) << open.err;
  fs::permissions(dir.path() / ".vdc", fs::perms::others_write, fs::perm_options::remove);

  // Where nothing is planted, the same apply goes through, and leaves no temporary behind.
  Result fine = apply("beta");
  ASSERT_EQ(fine.exit, 0) << fine.err;
  for (const auto& entry : fs::directory_iterator(dir.path() / ".vdc"))
    EXPECT_TRUE(entry.path().extension() == ".xml" || entry.path().extension() == ".lock") << entry.path();
}

TEST_F(StateFiles, APlanOrARefusedCommandMakesNoDatacenterFile) {
  ASSERT_EQ(vdc(dir.path(), "plan alpha").exit, 0);
  EXPECT_FALSE(fs::exists(dir.path() / ".vdc" / "sim.xml"));
}

// Two VDCs applied at once to one datacenter file, round after round: each
// round, both are whole afterwards (a lost save would drop one's objects).
TEST_F(StateFiles, TwoVdcsAppliedAtOnceToOneDatacenterBothSurvive) {
  for (int round = 0; round < 12; ++round) {
    // Alternately create and destroy, so that every round changes the file.
    std::string verb = round % 2 == 0 ? "apply" : "destroy";
    Result a, b;
    std::thread first([&] { a = vdc(dir.path(), verb + " alpha --auto-approve"); });
    std::thread second([&] { b = vdc(dir.path(), verb + " beta --auto-approve"); });
    first.join();
    second.join();
    ASSERT_EQ(a.exit, 0) << "round " << round << ": " << a.err;
    ASSERT_EQ(b.exit, 0) << "round " << round << ": " << b.err;
    for (const char* name : {"alpha", "beta"}) {
      Result plan = vdc(dir.path(), std::string("plan ") + name + (verb == "destroy" ? " --destroy" : "") +
                                        " --detailed-exitcode");
      EXPECT_EQ(plan.exit, 0) << "round " << round << ": " << name << " lost objects:\n" << plan.out;
    }
  }
}

// Networks of two VDCs on one target may overlap (each is its own bridge),
// but the plan says so.
TEST_F(StateFiles, APlanWarnsOfNetworksOverlappingAnotherVdcsOnTheTarget) {
  ASSERT_EQ(apply("alpha").exit, 0);
  writeFile(dir.path() / "gamma" / "vdc.yaml", smallVdc("gamma", 9));
  Result apart = vdc(dir.path(), "plan gamma");
  EXPECT_EQ(apart.err.find("overlaps"), std::string::npos) << apart.err;
  std::string text = smallVdc("gamma", 9);
  text.replace(text.find("10.9.0.0/24"), 11, "10.1.0.0/16");
  writeFile(dir.path() / "gamma" / "vdc.yaml", text);
  Result overlapping = vdc(dir.path(), "plan gamma");
  EXPECT_EQ(overlapping.exit, 0) << overlapping.err;
  EXPECT_NE(overlapping.err.find("warning: gamma/vdc.yaml:7:18: network net (10.1.0.0/16) overlaps network net "
                                 "(10.1.0.0/24) of VDC alpha on this target"),
            std::string::npos)
      << overlapping.err;
}

}  // namespace vdc::testing
