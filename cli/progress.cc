#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <iostream>

#include "engine/units.h"

namespace vdc::cli {

Progress::Progress() : terminal_(isatty(STDERR_FILENO) == 1), start_(std::chrono::steady_clock::now()) {}

void Progress::begun(size_t operations) {
  std::lock_guard lock(mutex_);
  total_ = operations;
  start_ = std::chrono::steady_clock::now();
}

Progress::~Progress() {
  std::lock_guard lock(mutex_);
  std::cerr << clearStatus() << std::flush;
}

void Progress::started(const ResourceId& id, Action, Step) {
  std::lock_guard lock(mutex_);
  inFlight_.insert(id.str());
  std::cerr << statusLine() << std::flush;
}

void Progress::finished(const Outcome& o) {
  std::lock_guard lock(mutex_);
  inFlight_.erase(o.id.str());
  ++done_;
  std::string out = clearStatus();
  std::string symbol = o.step == Step::Delete ? "-" : o.step == Step::Release ? "~" : std::string(actionSymbol(o.action));
  if (o.action == Action::Replace) symbol = o.step == Step::Delete ? "-" : "+";
  out += "  " + symbol + " " + o.id.str() + ": " + describeOutcome(o);
  if (o.status == Status::Done || o.status == Status::Failed) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, " (%.2fs)", o.seconds);
    out += seconds;
  }
  out += "\n" + statusLine();
  std::cerr << out << std::flush;
}

void Progress::rollingBack(size_t operations) {
  std::lock_guard lock(mutex_);
  total_ = operations;
  done_ = 0;
  std::cerr << clearStatus() << "Rolling back: " << operations << " operations undo what this apply did\n"
            << statusLine() << std::flush;
}

std::string Progress::clearStatus() {
  bool shown = statusShown_;
  statusShown_ = false;
  return terminal_ && shown ? "\r\033[K" : "";
}

std::string Progress::statusLine() {
  if (!terminal_) return "";
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  char line[160];
  std::snprintf(line, sizeof line, "[%zu/%zu] %zu in flight, %.1fs", done_, total_, inFlight_.size(), elapsed);
  std::string text = line;
  if (!inFlight_.empty()) text += ": " + *inFlight_.begin();
  if (text.size() > 100) text.resize(100);
  statusShown_ = true;
  return "\r\033[K" + text;
}

DiskProgress::DiskProgress() : terminal_(isatty(STDERR_FILENO) == 1) {}

void DiskProgress::started(const std::string& what, uint64_t total) {
  what_ = what;
  total_ = total;
  done_ = 0;
  start_ = drawn_ = std::chrono::steady_clock::now();
}

void DiskProgress::carried(uint64_t bytes) {
  done_ += bytes;
  auto now = std::chrono::steady_clock::now();
  if (!terminal_ || now - drawn_ < std::chrono::milliseconds(100)) return;
  drawn_ = now;
  double seconds = std::chrono::duration<double>(now - start_).count();
  char line[160];
  std::snprintf(line, sizeof line, "\r\033[K%s: %3.0f%% of %s, %s/s", what_.c_str(),
                total_ ? 100.0 * static_cast<double>(done_) / static_cast<double>(total_) : 100.0,
                formatSize(total_).c_str(), formatSize(static_cast<uint64_t>(static_cast<double>(done_) / std::max(seconds, 0.001))).c_str());
  std::cerr << line << std::flush;
}

void DiskProgress::finished() {
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  char line[160];
  std::snprintf(line, sizeof line, "%s%s: %s in %.1fs\n", terminal_ ? "\r\033[K" : "", what_.c_str(),
                formatSize(done_).c_str(), seconds);
  std::cerr << line << std::flush;
}

}  // namespace vdc::cli
