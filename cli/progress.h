// Progress on stderr: of an apply, a line per finished operation with its
// duration and, on a terminal, a status line kept at the bottom; of a disk
// in an export or import, its bytes. Every update is written at once:
// stderr is unbuffered.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <set>
#include <string>

#include "engine/apply.h"
#include "operations/progress.h"

namespace vdc::cli {

class Progress : public ApplyObserver {
 public:
  Progress();
  ~Progress() override;
  void begun(size_t operations) override;
  void started(const ResourceId& id, Action action, Step step) override;
  void finished(const Outcome& outcome) override;
  void rollingBack(size_t operations) override;

 private:
  // Each returns what to write, so that a whole update is one write.
  std::string statusLine();
  std::string clearStatus();

  std::mutex mutex_;
  size_t total_ = 0, done_ = 0;
  std::set<std::string> inFlight_;
  bool terminal_;
  bool statusShown_ = false;
  std::chrono::steady_clock::time_point start_;
};

// The bytes of each disk on their way (export, import): on a terminal a
// status line with the share done and the rate, redrawn at most ten times a
// second; then, terminal or not, one line when it is done.
class DiskProgress : public operations::DiskObserver {
 public:
  DiskProgress();
  void started(const std::string& what, uint64_t total) override;
  void carried(uint64_t bytes) override;
  void finished() override;

 private:
  std::string what_;
  uint64_t total_ = 0, done_ = 0;
  bool terminal_;
  std::chrono::steady_clock::time_point start_, drawn_;
};

}  // namespace vdc::cli
