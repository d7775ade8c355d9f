// Following a repository made by the test with the git command line: new
// commits, a rewritten branch, a revision's directory read from the tree, a
// damaged cache; and over HTTP behind basic authentication.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "engine/test_support.h"
#include "gitops/repository.h"
#include "tests/http_server.h"

namespace vdc::gitops {

namespace {

namespace fs = std::filesystem;

class Following : public ::testing::Test {
 protected:
  void SetUp() override {
    git("init -q -b main");
    dir.write("origin/envs/prod/vdc.yaml", "kind: VirtualDataCenter\n");
    dir.write("origin/envs/prod/net/front.yaml", "kind: Network\n");
    dir.write("origin/README", "not a manifest\n");
    commit("first");
  }

  void git(const std::string& args) {
    std::string command = "cd '" + (dir.path() / "origin").string() +
                          "' && git -c user.name=vdc -c user.email=vdc@example.org " + args + " >/dev/null 2>&1";
    fs::create_directories(dir.path() / "origin");
    ASSERT_EQ(std::system(command.c_str()), 0) << args;
  }
  void commit(const std::string& message) {
    git("add -A");
    git("commit -q -m " + message);
  }
  std::string cache() const { return (dir.path() / "cache").string(); }
  std::string url() const { return "file://" + (dir.path() / "origin").string(); }

  testing::TempDir dir;
};

}  // namespace

using testing::readFile;

TEST_F(Following, ARevisionsDirectoryIsWrittenFromItsTree) {
  Repository repo(url(), cache());
  repo.fetch();
  std::string first = repo.head("main");
  EXPECT_EQ(first.size(), 40u);
  // The work tree of the origin changes; the revision does not.
  dir.write("origin/envs/prod/vdc.yaml", "kind: VirtualDataCenter  # edited, not committed\n");
  repo.writeTree(first, "envs/prod", (dir.path() / "out").string());
  EXPECT_EQ(readFile(dir.path() / "out" / "vdc.yaml"), "kind: VirtualDataCenter\n");
  EXPECT_EQ(readFile(dir.path() / "out" / "net" / "front.yaml"), "kind: Network\n");
  EXPECT_FALSE(fs::exists(dir.path() / "out" / "README"));
  EXPECT_THROW(repo.writeTree(first, "envs/staging", (dir.path() / "none").string()), Error);
}

TEST_F(Following, NewCommitsAndARewrittenBranchAreFollowed) {
  Repository repo(url(), cache());
  repo.fetch();
  std::string first = repo.head("main");
  dir.write("origin/envs/prod/net/back.yaml", "kind: Network\n");
  commit("second");
  repo.fetch();
  std::string second = repo.head("main");
  EXPECT_NE(second, first);
  repo.writeTree(second, "envs/prod", (dir.path() / "out").string());
  EXPECT_TRUE(fs::exists(dir.path() / "out" / "net" / "back.yaml"));

  // A force-push: main now has a history without "second".
  git("reset -q --hard " + first);
  dir.write("origin/envs/prod/net/other.yaml", "kind: Network\n");
  commit("rewritten");
  Repository reopened(url(), cache());  // the cache is kept between runs
  reopened.fetch();
  std::string rewritten = reopened.head("main");
  EXPECT_NE(rewritten, second);
  reopened.writeTree(rewritten, "envs/prod", (dir.path() / "out").string());
  EXPECT_FALSE(fs::exists(dir.path() / "out" / "net" / "back.yaml"));
  EXPECT_TRUE(fs::exists(dir.path() / "out" / "net" / "other.yaml"));
}

TEST_F(Following, AnUnreachableRemoteOrBranchIsAnError) {
  Repository repo("file://" + (dir.path() / "nowhere").string(), cache());
  EXPECT_THROW(repo.fetch(), Error);
  Repository real(url(), (dir.path() / "cache2").string());
  real.fetch();
  EXPECT_THROW(real.head("develop"), Error);
}

TEST_F(Following, ACacheThatLostItsObjectsIsMadeAnew) {
  {
    Repository repo(url(), cache());
    repo.fetch();
  }
  std::vector<fs::path> objects;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(cache()) / "objects"))
    if (entry.is_regular_file()) objects.push_back(entry.path());
  ASSERT_FALSE(objects.empty());
  for (const auto& object : objects) fs::remove(object);

  dir.write("origin/envs/prod/net/back.yaml", "kind: Network\n");
  commit("second");
  Repository repo(url(), cache());
  repo.fetch();
  repo.writeTree(repo.head("main"), "envs/prod", (dir.path() / "out").string());
  EXPECT_EQ(readFile(dir.path() / "out" / "vdc.yaml"), "kind: VirtualDataCenter\n");
  EXPECT_EQ(readFile(dir.path() / "out" / "net" / "back.yaml"), "kind: Network\n");
}

TEST_F(Following, ACacheThatIsNoRepositoryIsMadeAnew) {
  dir.write("cache/HEAD", "not a reference\n");
  dir.write("cache/config", "[[[ not git's\n");
  Repository repo(url(), cache());
  repo.fetch();
  repo.writeTree(repo.head("main"), "envs/prod", (dir.path() / "out").string());
  EXPECT_EQ(readFile(dir.path() / "out" / "vdc.yaml"), "kind: VirtualDataCenter\n");
}

TEST_F(Following, AnUnreachableRemoteLeavesTheCacheAsItWas) {
  Repository repo(url(), cache());
  repo.fetch();
  std::string first = repo.head("main");
  fs::rename(dir.path() / "origin", dir.path() / "moved");
  EXPECT_THROW(repo.fetch(), Error);
  EXPECT_FALSE(fs::exists(cache() + ".fresh"));
  EXPECT_EQ(repo.head("main"), first);
  repo.writeTree(first, "envs/prod", (dir.path() / "out").string());
  EXPECT_EQ(readFile(dir.path() / "out" / "vdc.yaml"), "kind: VirtualDataCenter\n");
}

TEST_F(Following, SignsInOverHttpWithItsCredentialsAndStopsAtARefusal) {
  testing::HttpServer server(dir.path(), "'" VDC_SOURCE_DIR "/tests/git_http_server.py' '" + dir.str() + "' vdc s3cret");
  std::string url = server.base() + "origin";
  auto refusal = [&](const Credentials& credentials) {
    Repository repo(url, (dir.path() / "refused").string(), credentials);
    try {
      repo.fetch();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("fetched");
  };
  EXPECT_NE(refusal({}).find("the remote asks to sign in: set VDC_GIT_USERNAME and VDC_GIT_PASSWORD"),
            std::string::npos)
      << refusal({});
  std::string wrong = refusal({"vdc", "guess"});
  EXPECT_NE(wrong.find("the remote refused VDC_GIT_USERNAME vdc and its VDC_GIT_PASSWORD"), std::string::npos) << wrong;
  EXPECT_EQ(wrong.find("guess"), std::string::npos) << "a password is never shown";

  Repository repo(url, cache(), {"vdc", "s3cret"});
  repo.fetch();
  repo.writeTree(repo.head("main"), "envs/prod", (dir.path() / "out").string());
  EXPECT_EQ(readFile(dir.path() / "out" / "vdc.yaml"), "kind: VirtualDataCenter\n");
}

TEST(SshFingerprint, IsWrittenAsOpenSshPrintsIt) {
  const unsigned char zeros[32] = {};
  EXPECT_EQ(sshFingerprint(zeros), "SHA256:" + std::string(43, 'A'));
  unsigned char counting[32];
  for (int i = 0; i < 32; ++i) counting[i] = static_cast<unsigned char>(i);
  EXPECT_EQ(sshFingerprint(counting), "SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8");
}

}  // namespace vdc::gitops
