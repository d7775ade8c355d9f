#include "serve/vdc_runner.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <string_view>

#include <spdlog/spdlog.h>

#include "base/safe_file.h"
#include "engine/units.h"
#include "gitops/credentials.h"
#include "gitops/repository.h"
#include "operations/session.h"
#include "operations/watch_setup.h"
#include "serve/directory_source.h"

namespace vdc::serve {

namespace fs = std::filesystem;

namespace {

constexpr size_t kHistoryKept = 100;

// Takes `prefix` out of `text` wherever a path begins with it (not inside a
// URL or a longer path), and with `andNext` the component after it too.
void erasePathPrefix(std::string& text, const std::string& prefix, bool andNext) {
  auto beginsPath = [&](size_t at) {
    if (at == 0) return true;
    char before = text[at - 1];
    return !std::isalnum(static_cast<unsigned char>(before)) && std::string_view("/.-_~%@").find(before) == std::string_view::npos;
  };
  for (size_t from = 0, at; (at = text.find(prefix, from)) != std::string::npos;) {
    if (!beginsPath(at)) {
      from = at + 1;
      continue;
    }
    size_t end = at + prefix.size();
    if (andNext) {
      size_t slash = text.find('/', end);
      end = slash == std::string::npos ? end : slash + 1;
    }
    text.erase(at, end - at);
    from = at;
  }
}

}  // namespace

VdcRunner::VdcRunner(ServedVdc spec, const ServeConfig& config, EventBus& events)
    : spec_(std::move(spec)),
      home_((fs::path(config.state) / "vdcs" / spec_.name).string()),
      events_(events),
      progress_(spec_.name, events, [this](Json event) { return withoutServerPaths(std::move(event)); }) {
  checkPrivateDirectory(home_);
  // Each in its forms, as given and absolute, without a trailing slash; the longest first.
  auto forms = [](const fs::path& directory) {
    std::vector<std::string> found;
    for (const auto& form : {fs::absolute(directory).lexically_normal(), directory.lexically_normal()}) {
      std::string text = form.string();
      while (text.size() > 1 && text.back() == '/') text.pop_back();
      if (text.size() > 1 && text != ".") found.push_back(text);
    }
    return found;
  };
  homes_ = forms(home_);
  std::vector<fs::path> directories{home_, config.state};
  if (!spec_.directory.empty()) directories.push_back(fs::path(spec_.directory).parent_path());
  if (spec_.target) directories.push_back(fs::path(*spec_.target).parent_path());
  for (const auto& directory : directories)
    for (auto& form : forms(directory)) serverDirectories_.push_back(std::move(form));
  std::sort(serverDirectories_.begin(), serverDirectories_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  operations::WatchOptions options;
  options.cache = (fs::path(home_) / "cache").string();
  options.statusFile = (fs::path(home_) / "status.json").string();
  options.interval = spec_.interval;
  options.heal = spec_.heal;
  options.prune = spec_.prune;
  options.apply = {.parallelism = spec_.parallelism, .atomic = spec_.atomic, .observer = &progress_};
  options.rules.targetPath = spec_.targetPath;
  options.rules.allowedHosts = config.allowedHosts;
  options.rules.vdc = spec_.name;  // a served VDC's sources declare it, or are refused
  // Without a Target, the served VDCs share one embedded datacenter under the state directory.
  target_ = spec_.target;
  if (!target_ && spec_.targetPath.empty()) target_ = (fs::path(config.state) / "embedded-target.yaml").string();
  options.target = target_;
  operations::joinWatch(options, config.replica, "vdc serve");
  if (!spec_.directory.empty()) {
    options.repository = spec_.directory;
    options.branch = "directory";
    source_ = std::make_unique<SharedSource>(std::make_unique<DirectorySource>(spec_.directory));
  } else {
    options.repository = spec_.repository;
    options.branch = spec_.branch;
    options.rules.path = spec_.path;
    gitops::Credentials credentials = operations::takeCredentials(options);
    source_ = std::make_unique<SharedSource>(operations::cloneInto(options, credentials));
  }
  for (const auto& problem : operations::watchOptionProblems(options)) throw Error("VDC " + spec_.name + ": " + problem);
  controller_ = std::make_unique<operations::WatchController>(
      options, *source_,
      [this, open = operations::targetOpener(target_)](const std::optional<std::string>& revisionTarget) {
        {
          std::lock_guard lock(mutex_);
          reconciling_ = true;
        }
        events_.publish({{"type", "reconciling"}, {"vdc", spec_.name}, {"time", utcNow()}});
        return open(revisionTarget);
      },
      [this](const Json& event) { record(event); });
  controller_->onStatus([this](const gitops::WatchStatus& status) {
    Json json = withoutServerPaths(status.toJson());
    {
      std::lock_guard lock(mutex_);
      reconciling_ = false;
      status_ = json;
    }
    events_.publish({{"type", "status"}, {"vdc", spec_.name}, {"time", utcNow()}, {"status", json}});
  });
}

VdcRunner::~VdcRunner() { stop(); }

void VdcRunner::start() {
  thread_ = std::thread([this] {
    // Nothing escapes a VDC's thread: a failure is its status, not the server's end.
    try {
      controller_->run(control_);
    } catch (const std::exception& e) {
      spdlog::error("VDC {}: its controller stopped: {}", spec_.name, e.what());
      record({{"event", "failed"}, {"message", std::string("the controller stopped: ") + e.what()}});
    } catch (...) {
      spdlog::error("VDC {}: its controller stopped", spec_.name);
      record({{"event", "failed"}, {"message", "the controller stopped"}});
    }
  });
}

void VdcRunner::stop() {
  control_.stop = true;
  if (thread_.joinable()) thread_.join();
}

std::string VdcRunner::home() const { return home_; }

operations::CheckedRevision VdcRunner::checkout(const std::string& revision, const std::string& into) {
  source_->writeTree(revision, ".", into, spec_.path);
  std::string problems;
  auto checked = operations::checkRevision(into, revision, controller_->rules(), problems);
  if (!checked) throw RefusedRevision(problems);
  return std::move(*checked);
}

Json VdcRunner::withoutServerPaths(Json value) const {
  if (value.is_structured()) {
    for (auto& item : value) item = withoutServerPaths(std::move(item));
    return value;
  }
  if (!value.is_string()) return value;
  std::string text = value.get<std::string>();
  // HOME/cache/revisions/COMMIT/: the revision's top, its files by their place in it.
  for (const std::string& home : homes_) erasePathPrefix(text, home + "/cache/revisions/", true);
  for (const std::string& directory : serverDirectories_) erasePathPrefix(text, directory + "/", false);
  return text;
}

void VdcRunner::record(const Json& event) {
  Json entry = withoutServerPaths(event);
  entry["vdc"] = spec_.name;
  if (!entry.contains("time")) entry["time"] = utcNow();
  {
    std::lock_guard lock(mutex_);
    entry["trigger"] = pendingTrigger_;
    pendingTrigger_ = "interval";
    history_.push_front(entry);
    if (history_.size() > kHistoryKept) history_.pop_back();
  }
  events_.publish({{"type", "event"}, {"vdc", spec_.name}, {"time", entry["time"]}, {"event", entry}});
}

Json VdcRunner::summary() const {
  std::lock_guard lock(mutex_);
  Json source = spec_.directory.empty()
                    ? Json{{"git", {{"repository", status_.value("repository", spec_.repository)},
                                    {"branch", spec_.branch},
                                    {"path", spec_.path}}}}
                    : Json{{"directory", spec_.directory}};
  Json conditions = status_.value("conditions", Json::array());
  conditions.push_back({{"type", "Reconciling"}, {"status", reconciling_ ? "True" : "False"}});
  return {{"name", spec_.name},
          {"source", source},
          {"reconciling", reconciling_},
          {"conditions", conditions},
          {"status", status_.empty() ? Json() : status_}};
}

std::string VdcRunner::appliedRevision() const {
  std::lock_guard lock(mutex_);
  auto applied = status_.find("appliedRevision");
  return applied != status_.end() && applied->is_string() ? applied->get<std::string>() : "";
}

Json VdcRunner::history() const {
  std::lock_guard lock(mutex_);
  return Json(history_);
}

void VdcRunner::syncNow(const std::string& who) {
  {
    std::lock_guard lock(mutex_);
    pendingTrigger_ = who;
  }
  control_.syncNow = true;
}

void VdcRunner::suspend(const std::string& who) {
  {
    std::lock_guard lock(mutex_);
    pendingTrigger_ = who;
  }
  control_.suspension = 1;
}

void VdcRunner::resume(const std::string& who) {
  {
    std::lock_guard lock(mutex_);
    pendingTrigger_ = who;
  }
  control_.suspension = 2;
}

}  // namespace vdc::serve
