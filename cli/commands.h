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

int validateCommand(const CommonOptions& options);
int planCommand(const PlanOptions& options);
int applyCommand(const ApplyOptions& options);
int showCommand(const ShowOptions& options);
int graphCommand(const CommonOptions& options);

}  // namespace vdc::cli
