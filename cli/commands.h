// The vdc commands. Each returns the process exit code: 0 success,
// 1 error, 2 changes present (plan --detailed-exitcode only).
#pragma once

#include <optional>
#include <string>

namespace vdc::cli {

struct CommonOptions {
  std::string directory = ".";
  std::optional<std::string> target;  // a Target file; none: the embedded datacenter
};

struct PlanOptions : CommonOptions {
  std::optional<std::string> out;
  bool json = false;
  bool detailedExitCode = false;
  bool destroy = false;
};

struct ApplyOptions : CommonOptions {
  bool autoApprove = false;
  int parallelism = 10;
  bool destroy = false;  // `vdc destroy`
};

struct ShowOptions : CommonOptions {
  bool json = false;
};

struct ExportOptions : CommonOptions {
  std::string output;     // the bundle
  bool fromLive = false;  // write manifests adopting what the target holds into `output`
  std::optional<std::string> name;  // --from-live: the VDC's name (default: from `output`)
};

struct ImportOptions {
  std::string bundle;
  std::optional<std::string> target;
  std::optional<std::string> into;  // default: the VDC's name, under the current directory
  bool autoApprove = false;
  int parallelism = 10;
};

inline constexpr const char* kVdcVersion = "0.1.0";

int validateCommand(const CommonOptions& options);
int planCommand(const PlanOptions& options);
int applyCommand(const ApplyOptions& options);
int showCommand(const ShowOptions& options);
int graphCommand(const CommonOptions& options);
int exportCommand(const ExportOptions& options);
int exportFromLive(const ExportOptions& options);
int importCommand(const ImportOptions& options);
struct WatchOptions;
int watchCommand(WatchOptions options);

}  // namespace vdc::cli
