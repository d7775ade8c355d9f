// A VDC carried out of a real datacenter and back in (tests/e2e/real_datacenter.h):
// its image, a volume holding data, a copy-on-write child of the image and
// an instance's root disk leave through libvirt streams in a bundle, the VDC
// is destroyed, and the import makes them again with the same bytes,
// checked by digest.
#include <regex>

#include "tests/e2e/real_datacenter.h"

namespace vdc::testing {

namespace {

constexpr const char* kVdc = "e2ecarry";

// The sha256 of a volume's bytes as the host holds them.
std::string volumeDigest(const fs::path& dir, const std::string& volume) {
  fs::path file = dir / (volume + ".bytes");
  EXPECT_EQ(virsh("vol-download --pool vdc-e2e " + volume + " " + file.string()).exit, 0);
  std::string digest = sha256Hex(readFile(file));
  fs::remove(file);
  return digest;
}

}  // namespace

TEST_F(RealDatacenter, AVdcLeavesInABundleAndComesBackWithTheSameBytes) {
  std::string sha = stage(containerImage(), "carry", "rootfs.img");
  writeFile(dir.path() / "carry" / "vdc.yaml", R"yaml(apiVersion: vdc/v1
kind: VirtualDataCenter
metadata: {name: e2ecarry}
---
apiVersion: vdc/v1
kind: Image
metadata: {name: rootfs}
spec: {source: rootfs.img, format: raw, sha256: )yaml" + sha + R"yaml(}
---
apiVersion: vdc/v1
kind: Volume
metadata: {name: data}
spec: {size: 8MiB}
---
apiVersion: vdc/v1
kind: Volume
metadata: {name: child}
spec: {size: 32MiB, image: rootfs}
---
apiVersion: vdc/v1
kind: Instance
metadata: {name: vm}
spec: {image: rootfs, hypervisor: qemu, memory: 128MiB, state: stopped}
)yaml");
  auto run = [&](const std::string& command) { return vdc(dir.path(), command + " --target target.yaml"); };
  run("destroy carry --auto-approve");
  ASSERT_EQ(leftovers(kVdc), "");
  Result apply = run("apply carry --auto-approve");
  ASSERT_EQ(apply.exit, 0) << apply.out << apply.err;

  // What a guest would have written: a qcow2 volume with a megabyte of data.
  fs::path written = dir.path() / "written.qcow2";
  ASSERT_EQ(shell(dir.path(), "qemu-img create -q -f qcow2 " + written.string() + " 8M && qemu-io -c 'write -P 0x5a 0 1M' " +
                                  written.string()).exit, 0);
  ASSERT_EQ(virsh("vol-upload --pool vdc-e2e e2ecarry.vol.data " + written.string()).exit, 0);
  std::string dataDigest = volumeDigest(dir.path(), "e2ecarry.vol.data");
  EXPECT_EQ(dataDigest, sha256Hex(readFile(written)));

  // And into the copy-on-write child of the image, and the instance's root
  // disk (another child); what their readers see is the image with that
  // megabyte over it.
  std::string child = "/var/lib/vdc/pools/vdc-e2e/e2ecarry.vol.child";
  std::string root = "/var/lib/vdc/pools/vdc-e2e/e2ecarry.root.vm";
  ASSERT_EQ(shell(dir.path(), "qemu-io -f qcow2 -c 'write -P 0x33 0 1M' " + child).exit, 0);
  ASSERT_EQ(shell(dir.path(), "qemu-io -f qcow2 -c 'write -P 0x44 1M 1M' " + root).exit, 0);
  auto flattened = [&](const std::string& volume) {
    fs::path raw = dir.path() / "flat.raw";
    EXPECT_EQ(shell(dir.path(), "qemu-img convert -O raw " + volume + " " + raw.string()).exit, 0);
    std::string digest = sha256Hex(readFile(raw));
    fs::remove(raw);
    return digest;
  };
  std::string childDigest = flattened(child);
  std::string rootDigest = flattened(root);

  Result exported = run("export carry -o carry.vdcb");
  ASSERT_EQ(exported.exit, 0) << exported.err;
  EXPECT_NE(exported.out.find("4 disks"), std::string::npos) << exported.out;
  // The raw image is mostly holes, and they stay holes in the bundle: all
  // four disks together take less room there than the image's length.
  EXPECT_LT(fs::file_size(dir.path() / "carry.vdcb"), fs::file_size(dir.path() / "carry" / "rootfs.img"));
  ASSERT_EQ(run("destroy carry --auto-approve").exit, 0);
  EXPECT_EQ(leftovers(kVdc), "");

  // A target without a pool for a storage class the VDC uses: refused, naming it, before any change.
  writeFile(dir.path() / "bare.yaml",
            "apiVersion: vdc/v1\nkind: Target\nmetadata: {name: bare}\nspec:\n  hosts: [{uri: qemu:///system}]\n");
  Result refused = vdc(dir.path(), "import carry.vdcb --target bare.yaml --into refused --auto-approve");
  EXPECT_EQ(refused.exit, 1);
  EXPECT_NE(refused.err.find("storage class 'standard' needs storage pool 'standard'"), std::string::npos)
      << refused.err;
  EXPECT_FALSE(fs::exists(dir.path() / "refused"));
  EXPECT_EQ(leftovers(kVdc), "");
  // Nor can a target without an appliance image run a load balancer: the plan says so.
  writeFile(dir.path() / "lb" / "vdc.yaml",
            "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: e2elb}\n---\napiVersion: vdc/v1\n"
            "kind: Network\nmetadata: {name: lan}\nspec: {cidr: 10.95.1.0/24}\n---\napiVersion: vdc/v1\n"
            "kind: LoadBalancer\nmetadata: {name: front}\nspec: {network: lan, listeners: [{port: 80}], "
            "backends: {selector: {tier: web}}}\n");
  Result noAppliance = vdc(dir.path(), "plan lb --target bare.yaml");
  EXPECT_EQ(noAppliance.exit, 1);
  EXPECT_NE(noAppliance.err.find("LoadBalancer/front: qemu:///system has no load balancer appliance"),
            std::string::npos)
      << noAppliance.err;

  // Back in, from the bundle alone: the image file is not where the manifest says.
  Result imported = run("import carry.vdcb --into back --auto-approve");
  ASSERT_EQ(imported.exit, 0) << imported.out << imported.err;
  EXPECT_FALSE(fs::exists(dir.path() / "back" / "rootfs.img"));
  EXPECT_EQ(volumeDigest(dir.path(), "e2ecarry.vol.data"), dataDigest);
  EXPECT_EQ(volumeDigest(dir.path(), "e2ecarry.img.rootfs"), sha);
  // Mostly zeros, which travel as holes: the image is no larger on disk than its data.
  std::string info = virsh("vol-info --bytes --pool vdc-e2e e2ecarry.img.rootfs").out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(info, m, std::regex(R"(Capacity:\s+(\d+)[\s\S]*Allocation:\s+(\d+))"))) << info;
  EXPECT_LT(std::stoull(m[2]), std::stoull(m[1]) / 2) << info;
  // The child names this datacenter's image, and reads as it did.
  EXPECT_NE(virsh("vol-dumpxml --pool vdc-e2e e2ecarry.vol.child").out.find(
                "<path>/var/lib/vdc/pools/vdc-e2e/e2ecarry.img.rootfs</path>"),
            std::string::npos);
  EXPECT_EQ(flattened(child), childDigest);
  // The root disk came back as it was left, not made anew from the image.
  EXPECT_NE(virsh("vol-dumpxml --pool vdc-e2e e2ecarry.root.vm").out.find(
                "<path>/var/lib/vdc/pools/vdc-e2e/e2ecarry.img.rootfs</path>"),
            std::string::npos);
  EXPECT_EQ(flattened(root), rootDigest);
  Result plan = run("plan back --detailed-exitcode");
  EXPECT_EQ(plan.exit, 0) << plan.out << plan.err;

  ASSERT_EQ(run("destroy back --auto-approve").exit, 0);
  EXPECT_EQ(leftovers(kVdc), "");
}

}  // namespace vdc::testing
