// Measures carrying a disk in a bundle (bundle/): writing it (spool and
// archive), verifying the bundle, and unpacking the disk into a sparse
// scratch file as an import does; with peak memory, and the bundle's size
// against the disk's. The disk is half data and half holes, in 1 MiB runs.
//
//   vdc-bundle-bench [--sizes 64,256,1024] [--runs 3]      (sizes in MiB)
//
// Each run of each size is a fresh process (vdc-bundle-bench --measure MIB
// DIR), so peak memory is that size's alone: flat memory means the same
// figure at every size. Prints medians.
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "bench/measure.h"
#include "bundle/reader.h"
#include "bundle/sparse_file.h"
#include "bundle/writer.h"

namespace fs = std::filesystem;
using namespace vdc;
using namespace vdc::bundle;

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kMiB = 1 << 20;

double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

using vdc::bench::median;

// One size, in this process: prints "write verify unpack peakMiB bundleMiB".
int measure(uint64_t mib, const fs::path& dir) {
  const uint64_t size = mib * kMiB;
  std::vector<char> data(kMiB);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>('a' + i % 23);
  const std::vector<char> zeros(kMiB, 0);

  Descriptor descriptor;
  descriptor.vdcVersion = "bench";
  descriptor.vdc = "bench";
  descriptor.sourceTarget = "bench";
  descriptor.createdAt = "2026-11-29T00:00:00Z";
  descriptor.resources = {"VirtualDataCenter/bench", "Volume/data"};
  descriptor.disks = {{{Kind::Volume, "data"}, "raw", size}};
  std::string file = (dir / "bench.vdcb").string();

  auto start = Clock::now();
  {
    BundleWriter writer(file);
    writer.add(kDescriptorMember, descriptor.toJson().dump());
    writer.add("manifests/vdc.yaml", "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: bench}\n");
    uint64_t offset = 0;
    writer.add("disks/Volume/data", size, [&](char* buffer, size_t capacity) {
      size_t n = static_cast<size_t>(std::min<uint64_t>({capacity, size - offset, kMiB - offset % kMiB}));
      const std::vector<char>& run = (offset / kMiB) % 2 ? zeros : data;  // odd MiBs are holes
      std::copy_n(run.data() + offset % kMiB, n, buffer);
      offset += n;
      return n;
    });
    writer.finish();
  }
  double write = since(start);

  start = Clock::now();
  Contents contents = verifyBundle(file);
  double verify = since(start);

  start = Clock::now();
  fs::path disk = dir / "disk";
  unpackBundle(file, contents, (dir / "manifests").string(), [&](const Disk&, const BundleWriter::Source& read) {
    FileDescriptor out(::open(disk.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    HoleWriter holes(out.get());
    std::vector<char> chunk(kMiB);
    for (size_t n; (n = read(chunk.data(), chunk.size())) > 0;) holes.write({chunk.data(), n});
    holes.finish();
  });
  double unpack = since(start);

  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%f %f %f %f %f\n", write, verify, unpack, usage.ru_maxrss / 1024.0,
              static_cast<double>(fs::file_size(file)) / kMiB);
  return 0;
}

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return "";
  char buffer[512];
  while (fgets(buffer, sizeof buffer, pipe)) out += buffer;
  return pclose(pipe) == 0 ? out : "";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<uint64_t> sizes = {64, 256, 1024};
  int runs = 3;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--measure" && i + 2 < argc) return measure(std::stoull(argv[i + 1]), argv[i + 2]);
    if (arg == "--runs" && i + 1 < argc) runs = std::stoi(argv[++i]);
    if (arg == "--sizes" && i + 1 < argc) {
      sizes.clear();
      std::stringstream list(argv[++i]);
      for (std::string size; std::getline(list, size, ',');) sizes.push_back(std::stoull(size));
    }
  }
  std::string self = fs::canonical("/proc/self/exe").string();
  std::printf("a disk through a bundle, half data and half holes, median of %d runs\n", runs);
  std::printf("%9s %9s %9s %9s %9s %11s %11s\n", "disk MiB", "write s", "verify s", "unpack s", "MiB/s", "peak MiB",
              "bundle MiB");
  for (uint64_t mib : sizes) {
    std::vector<double> write, verify, unpack, peak, bundleSize;
    for (int r = 0; r < runs; ++r) {
      std::string dir = (fs::temp_directory_path() / "vdc-bundle-bench-XXXXXX").string();
      if (!mkdtemp(dir.data())) return 1;
      std::istringstream line(run("'" + self + "' --measure " + std::to_string(mib) + " '" + dir + "'"));
      fs::remove_all(dir);
      double w, v, u, p, b;
      if (!(line >> w >> v >> u >> p >> b)) {
        std::fprintf(stderr, "the measurement of %llu MiB failed\n", static_cast<unsigned long long>(mib));
        return 1;
      }
      write.push_back(w), verify.push_back(v), unpack.push_back(u), peak.push_back(p), bundleSize.push_back(b);
    }
    double total = median(write) + median(verify) + median(unpack);
    std::printf("%9llu %9.3f %9.3f %9.3f %9.0f %11.1f %11.1f\n", static_cast<unsigned long long>(mib), median(write),
                median(verify), median(unpack), static_cast<double>(mib) / total, median(peak), median(bundleSize));
  }
  return 0;
}
