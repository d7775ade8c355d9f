// The VDC carried out whole (manifests of the revision in force and its
// disks from the target), as a bundle (docs/bundles.md) streamed from a
// scratch file. Disks hold data: operators only.
#include <filesystem>
#include <fstream>

#include "operations/export.h"
#include "serve/routes.h"

namespace vdc::serve {

namespace fs = std::filesystem;

Handler exportVdc(Api& api) {
  return [&api](const Request& req, Response& res) {
    VdcCall call = api.callOn(req, res, Role::Operator, "export");
    if (!call) return;
    api.answer(call, res, [&] {
      auto found = api.inForce(call, res);
      if (!found) return;
      fs::path exports = fs::path(call.runner->home()) / "exports";
      fs::create_directories(exports);
      std::string file = (exports / (randomId() + ".vdcb")).string();
      call.revision = found->revision;
      // Open, then unlinked at once: the download reads it, and nothing is
      // left behind however the export or the download ends.
      std::shared_ptr<std::ifstream> in;
      uint64_t size = 0;
      try {
        operations::DiskObserver quiet;
        operations::exportBundle({found->directory, found->target, file}, quiet);
        in = std::make_shared<std::ifstream>(file, std::ios::binary);
        size = fs::file_size(file);
      } catch (...) {
        std::error_code ignored;
        fs::remove(file, ignored);
        throw;
      }
      fs::remove(file);
      res.setHeader("Content-Disposition", "attachment; filename=\"" + call.vdc + ".vdcb\"");
      res.setHeader("Content-Type", "application/x-tar");
      res.stream = Response::Stream{[in]() -> std::optional<std::string> {
                                      std::string piece(1 << 20, '\0');
                                      in->read(piece.data(), static_cast<std::streamsize>(piece.size()));
                                      piece.resize(static_cast<size_t>(in->gcount()));
                                      if (piece.empty()) return std::nullopt;
                                      return piece;
                                    },
                                    size, nullptr};
    });
  };
}

}  // namespace vdc::serve
