#include <gtest/gtest.h>

#include <archive.h>
#include <archive_entry.h>

#include <cstdio>
#include <fstream>
#include <map>

#include <yaml-cpp/yaml.h>

#include "providers/libvirt/seed.h"
#include "support/archive_handles.h"

namespace vdc::libvirt {

namespace {

// Every regular file in an ISO image, read back with libarchive's reader.
std::map<std::string, std::string> filesOf(const std::string& iso) {
  std::map<std::string, std::string> files;
  ArchiveReader held(archive_read_new());
  archive* a = held.get();
  archive_read_support_format_iso9660(a);
  EXPECT_EQ(archive_read_open_memory(a, iso.data(), iso.size()), ARCHIVE_OK) << archive_error_string(a);
  archive_entry* entry;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    if (archive_entry_filetype(entry) != AE_IFREG) continue;  // the root directory
    std::string contents(static_cast<size_t>(archive_entry_size(entry)), '\0');
    archive_read_data(a, contents.data(), contents.size());
    files[archive_entry_pathname(entry)] = contents;
  }
  return files;
}

Seed aSeed() {
  return {"shop.web-0.1a2b", "web-0", {"ssh-ed25519 AAAAC3Nza ops@shop", "ssh-rsa AAAAB3Nz: with: colons"},
          "#!/bin/sh\necho hello\n"};
}

}  // namespace

TEST(Seed, IsAnIsoLabelledCidataWithMetaAndUserData) {
  std::string iso = seedIso(aSeed());
  ASSERT_GT(iso.size(), 32768u + 80);
  EXPECT_EQ(iso.substr(32769, 5), "CD001");  // the primary volume descriptor
  std::string label = iso.substr(32768 + 40, 32);
  EXPECT_EQ(label.substr(0, label.find_last_not_of(' ') + 1), "CIDATA");
  auto files = filesOf(iso);
  ASSERT_EQ(files.size(), 2u);  // no NICs: no network-config
  EXPECT_EQ(files["meta-data"], metaData(aSeed()));
  EXPECT_EQ(files["user-data"], "#!/bin/sh\necho hello\n");
}

// Read back with e2fsprogs' debugfs, which reads an image without mounting it.
TEST(Seed, ForContainersIsAnExt2FileSystemLabelledCidataWithTheSameFiles) {
  Seed seed = aSeed();
  seed.nics = {{"52:54:00:aa:bb:01", "10.0.0.5/24", "10.0.0.1"}};
  std::string image = seedFileSystem(seed);
  ASSERT_GT(image.size(), 1024u + 0x80);
  EXPECT_EQ(static_cast<unsigned char>(image[1024 + 0x38]), 0x53);  // the ext2 superblock's magic, 0xEF53
  EXPECT_EQ(static_cast<unsigned char>(image[1024 + 0x39]), 0xEF);
  EXPECT_EQ(std::string(image.c_str() + 1024 + 0x78), "cidata");  // the volume label
  std::string file = ::testing::TempDir() + "/seed.ext2";
  std::ofstream(file, std::ios::binary) << image;
  auto cat = [&](const std::string& name) {
    std::string command = "debugfs -R 'cat /" + name + "' " + file + " 2>/dev/null", out;
    FILE* pipe = popen(command.c_str(), "r");
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
    pclose(pipe);
    return out;
  };
  EXPECT_EQ(cat("meta-data"), metaData(seed));
  EXPECT_EQ(cat("network-config"), networkConfig(seed));
  EXPECT_EQ(cat("user-data"), "#!/bin/sh\necho hello\n");
  std::remove(file.c_str());
}

TEST(Seed, MetaDataIsYamlWhateverTheKeysHoldIn) {
  YAML::Node meta = YAML::Load(metaData(aSeed()));
  EXPECT_EQ(meta["instance-id"].as<std::string>(), "shop.web-0.1a2b");
  EXPECT_EQ(meta["local-hostname"].as<std::string>(), "web-0");
  ASSERT_EQ(meta["public-keys"].size(), 2u);
  EXPECT_EQ(meta["public-keys"][1].as<std::string>(), "ssh-rsa AAAAB3Nz: with: colons");
}

TEST(Seed, NetworkConfigGivesPlannedAddressesByMac) {
  Seed seed = aSeed();
  seed.nics = {{"52:54:00:12:34:56", "10.0.0.2/24", "10.0.0.1"}, {"52:54:00:ab:cd:ef", "", ""}};
  auto files = filesOf(seedIso(seed));
  ASSERT_TRUE(files.count("network-config"));
  YAML::Node config = YAML::Load(files["network-config"]);
  EXPECT_EQ(config["version"].as<int>(), 2);
  YAML::Node first = config["ethernets"]["nic0"];
  EXPECT_EQ(first["match"]["macaddress"].Tag(), "!");  // quoted: a string to every YAML reader
  EXPECT_EQ(first["match"]["macaddress"].as<std::string>(), "52:54:00:12:34:56");
  EXPECT_EQ(first["addresses"][0].as<std::string>(), "10.0.0.2/24");
  EXPECT_EQ(first["gateway4"].as<std::string>(), "10.0.0.1");
  YAML::Node second = config["ethernets"]["nic1"];
  EXPECT_TRUE(second["dhcp4"].as<bool>());
  EXPECT_FALSE(second["addresses"]);
}

TEST(Seed, NoUserDataIsAnEmptyCloudConfig) {
  Seed seed = aSeed();
  seed.userData.clear();
  EXPECT_EQ(filesOf(seedIso(seed))["user-data"], "#cloud-config\n{}\n");
}

}  // namespace vdc::libvirt
