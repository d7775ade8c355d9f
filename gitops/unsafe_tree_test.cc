// A followed repository is hostile input: whatever its trees hold, writing
// a revision never puts a file outside the directory it is written to,
// never writes through a link, and refuses the commit whole (nothing
// written) when a name is not a plain file name or the tree is beyond its
// bounds. The trees are written byte by byte (tests/git_trees.h), as a
// hostile client could push them.
#include <gtest/gtest.h>

#include <set>

#include "engine/test_support.h"
#include "base/text.h"
#include "gitops/repository.h"
#include "tests/git_trees.h"

namespace vdc::gitops {

namespace {

namespace fs = std::filesystem;
using testing::RawGit;

// Every path under `root`, but the repository and the cache.
std::set<std::string> everything(const fs::path& root) {
  std::set<std::string> paths;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    std::string name = it->path().filename().string();
    if (it.depth() == 0 && (name == "origin" || name == "cache")) {
      it.disable_recursion_pending();
      continue;
    }
    paths.insert(fs::relative(it->path(), root).string());
  }
  return paths;
}

class HostileTree : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(dir.path() / "origin");
    raw.git("init -q -b main");
    manifest = raw.blob("kind: Network\n");
  }

  // A commit whose tree holds `inside` in envs/prod (the VDC directory)
  // and `outside` in docs/, each beside a plain manifest.
  std::string commit(std::vector<RawGit::Entry> inside, std::vector<RawGit::Entry> outside = {}) {
    inside.push_back({"100644", "vdc.yaml", manifest});
    outside.push_back({"100644", "README", manifest});
    std::string prod = raw.tree(inside);
    std::string envs = raw.tree({{"40000", "prod", prod}});
    return raw.commitTree(raw.tree({{"40000", "docs", raw.tree(outside)}, {"40000", "envs", envs}}));
  }

  // Fetches and writes the head under out/; the refusal's message, or "" when it was written.
  std::string write(Repository& repo, std::vector<std::string>* skipped = nullptr) {
    repo.fetch();
    try {
      auto left = repo.writeTree(repo.head("main"), ".", out().string(), "envs/prod");
      if (skipped) *skipped = left;
      return "";
    } catch (const UnsafeTree& e) {
      return e.what();
    }
  }
  fs::path out() const { return dir.path() / "out"; }
  std::string cache() const { return (dir.path() / "cache").string(); }
  std::string url() const { return "file://" + (dir.path() / "origin").string(); }

  testing::TempDir dir;
  RawGit raw{dir.path() / "origin"};
  std::string manifest;
};

const std::vector<std::string> kUnsafeNames = {
    "..", ".", ".git", ".GIT", ".Git", ".git.", ".git ", ".git. .", "GIT~1", ".vdc", ".VDC",
    "a\\b", "..\\..\\etc", "a/b", "../escaped", "/etc", "bell\x07", "line\nbreak", "esc\x1b[2J", "del\x7f",
    std::string(256, 'n'),
};

}  // namespace

TEST(UnsafeEntryName, PlainFileNamesPass) {
  for (const std::string name : {"vdc.yaml", "..yaml", ".gitignore", ".github", "git", "...", "a b", "caf\xC3\xA9",
                                 ".gitx", "x.git"})
    EXPECT_EQ(unsafeEntryName(name), "") << name;
  EXPECT_EQ(unsafeEntryName(std::string(255, 'n')), "");
  for (const auto& name : kUnsafeNames) EXPECT_NE(unsafeEntryName(name), "") << printable(name);
}

TEST(CommitId, IsFortyLowercaseHexDigits) {
  EXPECT_TRUE(isCommitId(std::string(40, 'a')));
  for (const std::string& text : {std::string(39, 'a'), std::string(41, 'a'), std::string(40, 'A'),
                                 "../../../../etc/passwd" + std::string(18, 'a'), std::string()})
    EXPECT_FALSE(isCommitId(text)) << text;
}

TEST_F(HostileTree, AnUnsafeNameAnywhereRefusesTheCommitAndWritesNothing) {
  Repository repo(url(), cache());
  std::set<std::string> before = everything(dir.path());
  std::string evil = raw.tree({{"100644", "escaped.yaml", manifest}});
  for (const auto& name : kUnsafeNames) {
    for (const std::string mode : {"100644", "40000"}) {
      std::string id = mode == "40000" ? evil : manifest;
      // In the VDC directory, deeper in it, and elsewhere in the repository.
      for (int place = 0; place < 3; ++place) {
        RawGit::Entry entry{mode, name, id};
        std::string sub = raw.tree({entry});
        if (place == 0) commit({entry});
        else if (place == 1) commit({{"40000", "net", sub}});
        else commit({}, {entry});
        std::string refusal = write(repo);
        std::string shown = printable(name);
        EXPECT_NE(refusal.find("is refused"), std::string::npos) << shown << " mode " << mode << " place " << place;
        EXPECT_NE(refusal.find("is not a safe file name"), std::string::npos) << refusal;
        EXPECT_EQ(everything(dir.path()), before) << shown << ": something was written";
      }
    }
  }
}

TEST_F(HostileTree, EveryProblemIsNamedAtOnceWithItsPlaceInTheRepository) {
  Repository repo(url(), cache());
  commit({{"100644", "..", manifest}, {"100644", ".git", manifest}}, {{"100644", "a\\b", manifest}});
  std::string refusal = write(repo);
  EXPECT_NE(refusal.find("envs/prod/.. is not a safe file name"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("envs/prod/.git is not a safe file name: git's own directory"), std::string::npos) << refusal;
  EXPECT_NE(refusal.find("docs/a\\\\b is not a safe file name"), std::string::npos) << refusal;
  // Control bytes in a name are shown escaped, never raw.
  commit({{"100644", "x\x1b]0;owned\x07", manifest}});
  refusal = write(repo);
  EXPECT_NE(refusal.find("envs/prod/x\\x1B]0;owned\\x07"), std::string::npos) << refusal;
  EXPECT_EQ(refusal.find('\x1b'), std::string::npos);
}

TEST_F(HostileTree, LinksAndSubmodulesAreRefusedInTheVdcDirectoryAndLeftOutElsewhere) {
  Repository repo(url(), cache());
  std::string target = raw.blob("/etc/passwd");
  std::string someCommit = raw.git("rev-parse " + raw.commitTree(raw.tree({{"100644", "f", manifest}})));
  for (const auto& [mode, what] : {std::pair{"120000", "a symbolic link"}, std::pair{"160000", "a submodule"}}) {
    std::string id = std::string(mode) == "120000" ? target : someCommit;
    fs::remove_all(out());
    commit({{mode, "passwd.yaml", id}});
    std::string refusal = write(repo);
    EXPECT_NE(refusal.find(std::string("envs/prod/passwd.yaml is ") + what + ", which a VDC directory may not hold"),
              std::string::npos)
        << refusal;
    EXPECT_FALSE(fs::exists(out()));

    commit({}, {{mode, "passwd", id}});
    std::vector<std::string> skipped;
    ASSERT_EQ(write(repo, &skipped), "");
    EXPECT_EQ(skipped, std::vector<std::string>{std::string("docs/passwd (") + what + ")"});
    EXPECT_FALSE(fs::exists(out() / "docs" / "passwd")) << "never written, never followed";
    EXPECT_EQ(testing::readFile(out() / "envs" / "prod" / "vdc.yaml"), "kind: Network\n");
  }
}

TEST_F(HostileTree, ATreeBeyondItsBoundsIsRefusedWhole) {
  Repository repo(url(), cache());
  TreeLimits limits;
  limits.fileBytes = 1000;
  limits.totalBytes = 1500;
  limits.entries = 8;
  limits.depth = 4;
  repo.setLimits(limits);

  std::string big = raw.blob(std::string(1001, 'x'));
  commit({{"100644", "big.yaml", big}});
  EXPECT_NE(write(repo).find("envs/prod/big.yaml holds 1001 bytes; a file may hold 1000"), std::string::npos);

  std::string half = raw.blob(std::string(800, 'x'));
  commit({{"100644", "a.yaml", half}, {"100644", "b.yaml", half}});
  EXPECT_NE(write(repo).find("takes the revision past the 1500 bytes it may hold"), std::string::npos);

  std::vector<RawGit::Entry> many;
  for (int i = 0; i < 9; ++i) many.push_back({"100644", "n" + std::to_string(i) + ".yaml", manifest});
  commit(many);
  EXPECT_NE(write(repo).find("past the 8 entries a revision may hold"), std::string::npos);

  std::string deep = raw.tree({{"100644", "x.yaml", manifest}});
  for (int i = 0; i < 3; ++i) deep = raw.tree({{"40000", "d", deep}});
  commit({{"40000", "d", deep}});  // envs/prod/d/d/d/d: six levels
  EXPECT_NE(write(repo).find("is deeper than 4 directories"), std::string::npos);
  EXPECT_FALSE(fs::exists(out()));

  // Within the bounds, the same repository is written.
  commit({{"100644", "a.yaml", half}});
  EXPECT_EQ(write(repo), "");
  EXPECT_EQ(testing::readFile(out() / "envs" / "prod" / "a.yaml"), std::string(800, 'x'));
}

}  // namespace vdc::gitops
