// Images: where their files are found, and their sha256 checked on the way
// into a datacenter (the embedded one here; a real host in tests/e2e).
#include <gtest/gtest.h>

#include "engine/hash.h"
#include "engine/test_support.h"
#include "providers/libvirt/datacenter.h"
#include "providers/libvirt/image_import.h"

namespace vdc::libvirt {

TEST(ImageFile, RelativeSourcesStartAtTheVdcDirectory) {
  HostFileRule shop{"/srv/shop"};
  EXPECT_EQ(imageFile("images/base.qcow2", shop), "/srv/shop/images/base.qcow2");
  EXPECT_EQ(imageFile("../images/base.raw", shop), "/srv/images/base.raw");
  EXPECT_EQ(imageFile("/var/images/base.qcow2", shop), "/var/images/base.qcow2");
  EXPECT_EQ(imageFile("file:///var/images/base.qcow2", shop), "/var/images/base.qcow2");
  EXPECT_THROW(imageFile("https://images.example/base.qcow2", shop), Error);
  // From a repository or a bundle, only inside the VDC's directory.
  HostFileRule confined{"/srv/shop", true};
  EXPECT_EQ(imageFile("images/base.qcow2", confined), "/srv/shop/images/base.qcow2");
  EXPECT_THROW(imageFile("../images/base.raw", confined), Error);
  EXPECT_THROW(imageFile("file:///var/images/base.qcow2", confined), Error);
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
    storage.prepare({{image}, HostFileRule{(dir.path() / "shop").string()}});
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
    // The digest expected, never the file's own: a source may name a file that is not the user's.
    EXPECT_EQ(std::string(e.what()).find(sha256Hex(contents)), std::string::npos) << e.what();
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

// An image is whole: a qcow2 naming a backing file would have the guest read
// a file of the host (here, whatever the header names).
TEST_F(Images, AQcow2ImageThatNamesABackingFileIsRefused) {
  std::string header(1024, '\0');
  header.replace(0, 4, std::string("QFI\xfb", 4));
  auto put = [&](size_t at, size_t width, uint64_t value) {
    for (size_t i = width; i-- > 0; value >>= 8) header[at + i] = static_cast<char>(value & 0xff);
  };
  put(4, 4, 3);
  put(8, 8, 112);
  put(16, 4, 11);
  put(20, 4, 9);
  put(100, 4, 112);
  header.replace(112, 11, "/etc/shadow");
  dir.write("shop/images/child.qcow2", header);
  EmbeddedDatacenter dc((dir.path() / "sim.xml").string());
  Ownership image{"shop", {Kind::Image, "child"}, "hash", {{"source", "images/child.qcow2"}, {"format", "qcow2"}}};
  Provider& storage = dc.providerFor(Kind::Image);
  try {
    storage.prepare({{image}, HostFileRule{(dir.path() / "shop").string()}});  // refused before anything is written
    storage.create(image);
    FAIL() << "an image with a backing file was made";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("names a backing file (/etc/shadow): an image must be whole"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(dc.nodeXml().find("shop.img.child"), std::string::npos);
}

// A host reads a file's format from its bytes: an image said to be of
// another format would read back as that one on every plan. Refused before
// anything is written (prepare), saying which format the file is.
TEST_F(Images, AnImageOfAnotherFormatThanItIsSaidToBeIsRefused) {
  std::string qcow2(1024, '\0');
  qcow2.replace(0, 4, std::string("QFI\xfb", 4));
  auto put = [&](size_t at, size_t width, uint64_t value) {
    for (size_t i = width; i-- > 0; value >>= 8) qcow2[at + i] = static_cast<char>(value & 0xff);
  };
  put(4, 4, 3);    // version
  put(20, 4, 16);  // cluster bits
  put(100, 4, 112);
  dir.write("shop/images/disk.qcow2", qcow2);
  EmbeddedDatacenter dc((dir.path() / "sim.xml").string());
  Provider& storage = dc.providerFor(Kind::Image);
  auto refusal = [&](const std::string& source, const std::string& format) -> std::string {
    Ownership image{"shop", {Kind::Image, "base"}, "hash", {{"source", source}, {"format", format}}};
    try {
      storage.prepare({{image}, HostFileRule{(dir.path() / "shop").string()}});
      storage.create(image);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_EQ(refusal("images/disk.qcow2", "raw"),
            "image images/disk.qcow2 is a qcow2 file, but it is said to be raw: say format: qcow2 (or qemu-img convert it)");
  EXPECT_EQ(refusal("images/base.raw", "qcow2"),
            "image images/base.raw is not a qcow2 file, but it is said to be qcow2: say format: raw (or qemu-img convert it)");
  EXPECT_EQ(dc.nodeXml().find("shop.img.base"), std::string::npos);
  EXPECT_EQ(refusal("images/disk.qcow2", "qcow2"), "");
  EXPECT_NE(dc.nodeXml().find("<name>shop.img.base</name>"), std::string::npos);
}

}  // namespace vdc::libvirt
