#include "operations/watch_setup.h"

#include <filesystem>

#include <spdlog/spdlog.h>

#include "engine/hash.h"
#include "base/safe_file.h"
#include "operations/session.h"

namespace vdc::operations {

namespace fs = std::filesystem;

gitops::Credentials takeCredentials(WatchOptions& options) {
  gitops::Credentials credentials = gitops::Credentials::fromEnvironment();
  credentials.takeFromUrl(options.repository);
  return credentials;
}

void completeWatchOptions(WatchOptions& options) {
  if (options.cache.empty()) {
    std::string key = options.repository + "\n" + options.branch + "\n" + options.rules.path + "\n" +
                      options.target.value_or("") + "\n" + options.rules.targetPath;
    options.cache = (fs::path(".vdc") / "watch" / sha256Hex(key).substr(0, 16)).string();
  }
  if (options.statusFile.empty()) options.statusFile = (fs::path(options.cache) / "status.json").string();
}

std::vector<std::string> watchOptionProblems(const WatchOptions& options) {
  std::vector<std::string> problems;
  for (const auto& [flag, path] : {std::pair{"--path", options.rules.path}, std::pair{"--target-path", options.rules.targetPath}}) {
    fs::path normal = fs::path(path).lexically_normal();
    if (normal.is_absolute() || (!normal.empty() && *normal.begin() == ".."))
      problems.push_back(std::string(flag) + " " + path + " is not a place inside the repository");
  }
  for (const auto& problem : ruleProblems(options.rules))
    problems.push_back(problem);
  return problems;
}

void joinWatch(WatchOptions& options, const std::string& replica, const std::string& purpose) {
  options.replicas = joinReplicas(options.target, replica.empty() ? hostName() : replica, purpose);
  if (options.replicas) spdlog::info("joined the replicas as {}", options.replicas->self());
  checkPrivateDirectory(options.cache);
}

std::unique_ptr<gitops::Repository> cloneInto(const WatchOptions& options, const gitops::Credentials& credentials) {
  return std::make_unique<gitops::Repository>(options.repository, (fs::path(options.cache) / "repository").string(),
                                              credentials);
}

WatchController::Opener targetOpener(std::optional<std::string> target) {
  return [target = std::move(target)](const std::optional<std::string>& revisionTarget) {
    return openTarget(revisionTarget ? revisionTarget : target);
  };
}

}  // namespace vdc::operations
