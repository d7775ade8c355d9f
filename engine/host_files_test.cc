// Which host files a manifest may name: never the kernel's, never anything
// but a regular file, and, from a repository or a bundle, only inside the
// VDC's own directory or the Target's allowed directories.
#include "engine/host_files.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/test_support.h"

namespace vdc {

namespace {

namespace fs = std::filesystem;

class HostFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.write("shop/images/base.raw", "image");
    dir.write("shop/tls/shop.pem", "pem");
    dir.write("shared/images/common.raw", "common");
    dir.write("secret/key", "secret");
    fs::create_symlink(dir.path() / "secret" / "key", dir.path() / "shop" / "images" / "link.raw");
    fs::create_symlink(dir.path() / "secret", dir.path() / "shop" / "linked-dir");
  }
  HostFileRule local() const { return {(dir.path() / "shop").string()}; }
  HostFileRule confined() const { return {(dir.path() / "shop").string(), true}; }
  std::string refusal(const HostFileRule& rule, const std::string& named) {
    return testing::errorOf([&] { resolveHostFile(rule, named); });
  }

  testing::TempDir dir;
};

}  // namespace

TEST_F(HostFiles, TheKernelsFilesAndAnythingButARegularFileAreNeverRead) {
  ASSERT_EQ(mkfifo((dir.path() / "shop" / "fifo").c_str(), 0600), 0);
  int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::string socketPath = (dir.path() / "shop" / "socket").string();
  std::strncpy(address.sun_path, socketPath.c_str(), sizeof address.sun_path - 1);
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  fs::create_symlink("/proc/self/environ", dir.path() / "shop" / "environ.raw");
  for (const HostFileRule& rule : {local(), confined()}) {
    for (const std::string named : {"/proc/self/environ", "file:///proc/1/cmdline", "/sys/kernel/notes", "/dev/zero",
                                    "/dev/stdin", "/proc", "../../../../../proc/self/mem", "fifo", "socket",
                                    "environ.raw", "images"}) {
      EXPECT_NE(refusal(rule, named), "") << named << (rule.confined ? " (confined)" : "");
    }
  }
  ::close(sock);
  // A FIFO is refused by the opening too, at once (were it opened to read, it would block).
  EXPECT_THROW(openHostFile(local(), "fifo"), Error);
}

TEST_F(HostFiles, ALocalDirectoryMayNameAnyRegularFile) {
  EXPECT_EQ(refusal(local(), "images/base.raw"), "");
  EXPECT_EQ(refusal(local(), "../secret/key"), "");
  EXPECT_EQ(refusal(local(), (dir.path() / "secret" / "key").string()), "");
  EXPECT_EQ(refusal(local(), "images/link.raw"), "");
  EXPECT_EQ(refusal(local(), "images/missing.raw"), "") << "a missing file is the provider's to report";
  EXPECT_EQ(readHostFile(local(), "images/link.raw", 100), "secret");
}

TEST_F(HostFiles, ARepositorysOrABundlesManifestsNameOnlyTheirOwnFilesOrAllowedOnes) {
  EXPECT_EQ(refusal(confined(), "images/base.raw"), "");
  EXPECT_EQ(refusal(confined(), "./tls/../images/base.raw"), "");
  EXPECT_EQ(readHostFile(confined(), "tls/shop.pem", 100), "pem");
  for (const std::string& named : std::vector<std::string>{"../secret/key", (dir.path() / "secret" / "key").string(), "file://" + (dir.path() / "secret/key").string(),
        "images/link.raw", "linked-dir/key", "/etc/passwd", "../shared/images/common.raw", "images/../../secret/key"}) {
    std::string why = refusal(confined(), named);
    EXPECT_NE(why.find("may name files only inside their own directory"), std::string::npos) << named << ": " << why;
    EXPECT_THROW(openHostFile(confined(), named), Error) << named;
  }
  HostFileRule allowed = confined();
  allowed.allowed = {(dir.path() / "shared").string()};
  EXPECT_EQ(refusal(allowed, "../shared/images/common.raw"), "");
  EXPECT_NE(refusal(allowed, "../secret/key"), "");
}

TEST_F(HostFiles, AFileIsReadOnlyUpToItsBound) {
  dir.write("shop/big.pem", std::string(2000, 'x'));
  EXPECT_THROW(readHostFile(local(), "big.pem", 1000), Error);
  EXPECT_EQ(readHostFile(local(), "big.pem", 2000).size(), 2000u);
}

TEST_F(HostFiles, EveryFileAVdcNamesIsCheckedWithItsPlace) {
  dir.write("shop/vdc.yaml", std::string(testing::kVdcHeader) +
                                 "apiVersion: vdc/v1\nkind: Image\nmetadata: {name: base}\n"
                                 "spec: {source: ../secret/key}\n---\n"
                                 "apiVersion: vdc/v1\nkind: Image\nmetadata: {name: fine}\n"
                                 "spec: {source: images/base.raw}\n---\n"
                                 "apiVersion: vdc/v1\nkind: Image\nmetadata: {name: web}\n"
                                 "spec: {source: 'https://images.example/web.qcow2'}\n");
  Diagnostics diags;
  Vdc vdc = loadVdc((dir.path() / "shop").string(), diags);
  ASSERT_TRUE(diags.empty()) << diags.str();
  Diagnostics problems;
  checkHostFiles(vdc, confined(), problems);
  ASSERT_EQ(problems.size(), 1u) << problems.str();
  EXPECT_NE(problems.str().find("vdc.yaml:8:18: Image/base: cannot read ../secret/key"), std::string::npos)
      << problems.str();
  Diagnostics none;
  checkHostFiles(vdc, local(), none);
  EXPECT_TRUE(none.empty()) << none.str();
}

}  // namespace vdc
