// Images: where their files are found, and their sha256 checked on the way
// into a datacenter (the embedded one here; a real host in tests/e2e).
#include <gtest/gtest.h>

#include "engine/hash.h"
#include "engine/test_support.h"
#include "providers/libvirt/datacenter.h"
#include "providers/libvirt/image_import.h"

namespace vdc::libvirt {

TEST(ImageFile, RelativeSourcesStartAtTheVdcDirectory) {
  EXPECT_EQ(imageFile("images/base.qcow2", "/srv/shop"), "/srv/shop/images/base.qcow2");
  EXPECT_EQ(imageFile("../images/base.raw", "/srv/shop"), "/srv/images/base.raw");
  EXPECT_EQ(imageFile("/var/images/base.qcow2", "/srv/shop"), "/var/images/base.qcow2");
  EXPECT_EQ(imageFile("file:///var/images/base.qcow2", "/srv/shop"), "/var/images/base.qcow2");
  EXPECT_THROW(imageFile("https://images.example/base.qcow2", "/srv/shop"), Error);
}

class Images : public ::testing::Test {
 protected:
  void SetUp() override {
    contents = std::string(3 << 20, 'x') + "the end";  // more than one chunk
    dir.write("shop/images/base.raw", contents);
  }

  // Applies one Image the way an apply does: prepare with the VDC's directory, then create.
  void createImage(EmbeddedDatacenter& dc, const std::string& sha256) {
    Json spec = {{"source", "images/base.raw"}, {"format", "raw"}};
    if (!sha256.empty()) spec["sha256"] = sha256;
    Ownership image{"shop", {Kind::Image, "base"}, "hash", spec};
    Provider& storage = dc.providerFor(Kind::Image);
    storage.prepare({{image}, (dir.path() / "shop").string()});
    storage.create(image);
  }

  testing::TempDir dir;
  std::string contents;
};

TEST_F(Images, TheDigestOfTheWholeFileIsChecked) {
  std::string file = (dir.path() / "shop/images/base.raw").string();
  EXPECT_EQ(importImage(nullptr, nullptr, file, ""), sha256Hex(contents));
  EXPECT_EQ(importImage(nullptr, nullptr, file, sha256Hex(contents)), sha256Hex(contents));
  std::string wrong(64, '0');
  try {
    importImage(nullptr, nullptr, file, wrong);
    FAIL() << "a wrong digest was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(sha256Hex(contents)), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(wrong), std::string::npos) << e.what();
  }
}

TEST_F(Images, AnImageWithTheWrongDigestLeavesNoVolume) {
  EmbeddedDatacenter dc((dir.path() / "sim.xml").string());
  EXPECT_THROW(createImage(dc, std::string(64, 'f')), Error);
  EXPECT_EQ(dc.nodeXml().find("shop.img.base"), std::string::npos);

  createImage(dc, sha256Hex(contents));
  std::string node = dc.nodeXml();
  EXPECT_NE(node.find("<name>shop.img.base</name>"), std::string::npos);
  EXPECT_NE(node.find("<capacity unit='bytes'>" + std::to_string(contents.size()) + "</capacity>"), std::string::npos)
      << node;
}

}  // namespace vdc::libvirt
