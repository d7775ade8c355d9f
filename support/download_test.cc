// Downloads from a real HTTP server: Python's http.server on a free port of
// 127.0.0.1, serving a scratch directory.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "engine/hash.h"
#include "engine/test_support.h"
#include "support/download.h"
#include "tests/http_server.h"

namespace vdc {

namespace {

class Download : public ::testing::Test {
 protected:
  void SetUp() override {
    contents = std::string(3 << 20, 'x') + "the end";
    testing::writeFile(dir.path() / "www" / "image.raw", contents);
    server = std::make_unique<testing::HttpServer>(dir.path() / "www");
    base = server->base();
  }

  testing::TempDir dir;
  std::string contents, base;
  std::unique_ptr<testing::HttpServer> server;
};

}  // namespace

TEST_F(Download, AWholeFileArrivesOverHttp) {
  std::string file = (dir.path() / "got.raw").string();
  download(base + "image.raw", file);
  EXPECT_EQ(sha256Hex(testing::readFile(file)), sha256Hex(contents));
}

TEST_F(Download, AnHttpErrorNamesTheUrlAndTheStatus) {
  std::string url = base + "missing.raw";
  try {
    download(url, (dir.path() / "got.raw").string());
    FAIL() << "a 404 was taken for an image";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cannot download " + url + ": "), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("404"), std::string::npos) << e.what();
  }
}

TEST_F(Download, ARefusedConnectionAndOtherSchemesAreErrors) {
  server->stop();
  EXPECT_THROW(download(base + "image.raw", (dir.path() / "got.raw").string()), Error);
  EXPECT_THROW(download("ftp://127.0.0.1/image.raw", (dir.path() / "got.raw").string()), Error);
  EXPECT_FALSE(isHttpUrl("file:///srv/image.raw"));
  EXPECT_TRUE(isHttpUrl("https://images.example/debian.qcow2"));
}

// Redirects on the same host are followed either way; one to another host
// only where the download may go anywhere (an Image's source), never for
// an appliance image (Redirects::SameHost), whose host an allow-list let through.
TEST_F(Download, ARedirectLeavesItsHostOnlyWhereAllowed) {
  server->stop();
  testing::HttpServer redirecting(dir.path() / "www", "'" VDC_SOURCE_DIR "/tests/redirect_server.py'");
  std::string here = redirecting.base();
  std::string file = (dir.path() / "got.raw").string();
  download(here + "same/image.raw", file, Redirects::SameHost);
  EXPECT_EQ(sha256Hex(testing::readFile(file)), sha256Hex(contents));
  try {
    download(here + "away/image.raw", file, Redirects::SameHost);
    FAIL() << "followed a redirect to another host";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("it redirects to another host (127.0.0.2)"), std::string::npos) << e.what();
  }
  // Anywhere: it is followed (and finds nothing listening on 127.0.0.2).
  try {
    download(here + "away/image.raw", file, Redirects::Anywhere);
    FAIL() << "127.0.0.2 answered";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).find("another host"), std::string::npos) << e.what();
  }
}

}  // namespace vdc
