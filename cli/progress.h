// Apply progress on stderr: a line per finished operation with its
// duration and, on a terminal, a status line kept at the bottom. Every
// update is written at once: stderr is unbuffered.
#pragma once

#include <chrono>
#include <mutex>
#include <set>
#include <string>

#include "engine/apply.h"

namespace vdc::cli {

class Progress : public ApplyObserver {
 public:
  explicit Progress(size_t total);
  ~Progress() override;
  void started(const ResourceId& id, Action action, Step step) override;
  void finished(const Outcome& outcome) override;

 private:
  // Each returns what to write, so that a whole update is one write.
  std::string statusLine();
  std::string clearStatus();

  std::mutex mutex_;
  size_t total_, done_ = 0;
  std::set<std::string> inFlight_;
  bool terminal_;
  bool statusShown_ = false;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace vdc::cli
