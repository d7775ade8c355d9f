#include "bench/generate.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

namespace vdc::bench {

namespace {

class Writer {
 public:
  explicit Writer(std::string directory) : directory_(std::move(directory)) {}
  ~Writer() { out_.close(); }

  void document(const std::string& text) {
    if (count_ % 1000 == 0) {
      out_.close();
      out_.open(directory_ + "/part-" + std::to_string(count_ / 1000) + ".yaml");
    } else {
      out_ << "---\n";
    }
    out_ << "apiVersion: vdc/v1\n" << text;
    ++count_;
  }
  size_t count() const { return count_; }

 private:
  std::string directory_;
  std::ofstream out_;
  size_t count_ = 0;
};

}  // namespace

size_t generateVdc(const std::string& directory, size_t resources) {
  std::filesystem::create_directories(directory);
  Writer w(directory);
  size_t networks = std::max<size_t>(1, resources / 500);
  size_t groups = std::max<size_t>(1, resources / 1000);
  size_t volumes = resources / 5;
  size_t fixed = 4 + networks + groups;  // VDC, 2 images, 1 key pair
  size_t instances = resources > fixed + volumes ? resources - fixed - volumes : 1;

  w.document("kind: VirtualDataCenter\nmetadata: {name: bench}\nspec: {description: generated}\n");
  for (size_t i = 0; i < networks; ++i)
    w.document("kind: Network\nmetadata: {name: net-" + std::to_string(i) + "}\nspec: {cidr: 10." +
               std::to_string(i / 256) + "." + std::to_string(i % 256) + ".0/24}\n");
  for (size_t i = 0; i < groups; ++i)
    w.document("kind: SecurityGroup\nmetadata: {name: sg-" + std::to_string(i) +
               "}\nspec:\n  ingress:\n    - {protocol: tcp, ports: \"22\", from: 10.0.0.0/8}\n"
               "    - {protocol: tcp, ports: \"443\", from: sg-" +
               std::to_string(i) + "}\n");
  w.document("kind: Image\nmetadata: {name: base}\nspec: {source: images/base.qcow2}\n");
  w.document("kind: Image\nmetadata: {name: db}\nspec: {source: images/db.qcow2}\n");
  w.document("kind: KeyPair\nmetadata: {name: ops}\nspec: {publicKey: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbQ1dD3uOd5nY4Xk2q0cH7Gm0a1yXrLwz8H2n0qk9fT ops}\n");
  for (size_t i = 0; i < volumes; ++i)
    w.document("kind: Volume\nmetadata: {name: vol-" + std::to_string(i) + "}\nspec: {size: 10GiB}\n");
  for (size_t i = 0; i < instances; ++i) {
    std::string name = "vm-" + std::to_string(i);
    std::string text = "kind: Instance\nmetadata: {name: " + name + ", labels: {tier: t" + std::to_string(i % 3) +
                       "}}\nspec:\n  cpus: 2\n  memory: 1GiB\n  image: " + (i % 2 ? "base" : "db") +
                       "\n  keyPairs: [ops]\n  interfaces:\n    - {network: net-" + std::to_string(i % networks) +
                       ", securityGroups: [sg-" + std::to_string(i % groups) + "]}\n";
    if (i < volumes) text += "  volumes: [{volume: vol-" + std::to_string(i) + "}]\n";
    w.document(text);
  }
  return w.count();
}

}  // namespace vdc::bench
