// Running the real vdc binary in a scratch directory, as a user would.
#pragma once

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <regex>
#include <thread>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/test_support.h"

namespace vdc::testing {

struct Result {
  int exit = -1;
  std::string out, err;
};


// Runs `command` with a shell in `dir`; stdin is /dev/null (not a terminal).
inline Result shell(const std::filesystem::path& dir, const std::string& command) {
  auto out = dir / ".out", err = dir / ".err";
  std::string line = "cd '" + dir.string() + "' && { " + command + "\n} </dev/null >'" + out.string() + "' 2>'" +
                     err.string() + "'";
  int status = std::system(line.c_str());
  Result run{WIFEXITED(status) ? WEXITSTATUS(status) : -1, readFile(out), readFile(err)};
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return run;
}

inline Result vdc(const std::filesystem::path& dir, const std::string& args) {
  return shell(dir, std::string(VDC_BINARY) + " " + args);
}

inline std::string example(const std::string& name) { return std::string(VDC_SOURCE_DIR) + "/examples/" + name; }

inline void copyExample(const std::string& name, const std::filesystem::path& to) {
  std::filesystem::copy(example(name), to, std::filesystem::copy_options::recursive);
}

// Polls `done` every `step` for up to 30 s; its last answer.
inline bool waitFor(const std::function<bool()>& done, std::chrono::milliseconds step = std::chrono::milliseconds(100)) {
  for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
       !done() && std::chrono::steady_clock::now() < until;)
    std::this_thread::sleep_for(step);
  return done();
}

// A shell line that starts `command`, a vdc run with VDC_FAULT=hold:K whose
// stderr goes to the file `log`, in the background, sets $holder to its pid,
// and waits until it is held at its K-th call (or has ended). `kill -CONT
// $holder` lets it go on.
inline std::string startHeld(const std::string& command, const std::string& log) {
  return command + " & holder=$!; until grep -q 'held by VDC_FAULT' " + log +
         " || ! kill -0 $holder 2>/dev/null; do sleep 0.01; done; ";
}

// Shell text that interrupts the background vdc $holder (SIGINT), waits for
// it, says on stderr how long that took ("took N ms") and what it logged to
// `log`, and exits with its status.
inline std::string interruptAndTime(const std::string& log) {
  return "began=$(date +%s%N); kill -INT $holder; wait $holder; code=$?; "
         "echo \"took $(( ($(date +%s%N) - began) / 1000000 )) ms\" >&2; cat " + log + " >&2; exit $code";
}

// The milliseconds interruptAndTime said in `err`; -1 when it said none.
inline int interruptTook(const std::string& err) {
  std::smatch took;
  return std::regex_search(err, took, std::regex("took ([0-9]+) ms")) ? std::stoi(took[1]) : -1;
}

// Waits until a background vdc is gone (or a zombie, where nothing reaps
// orphans).
inline bool waitUntilGone(int pid) {
  return waitFor([pid] {
    std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
    return kill(pid, 0) != 0 || stat.find(") Z ") != std::string::npos;
  });
}

// Stops a background vdc serve or watch in the middle of an apply held by
// VDC_FAULT=hold:K: waits until it is held, sends SIGTERM, waits until its
// log says it is stopping, lets the apply go on and waits until the process
// is gone. Returns the step that did not happen, or "".
inline std::string stopWhileHeld(int pid, const std::function<std::string()>& log) {
  auto logSays = [&](const char* what) {
    return waitFor([&] { return log().find(what) != std::string::npos; }, std::chrono::milliseconds(20));
  };
  std::string missed;
  if (!logSays("held by VDC_FAULT")) missed = "it was never held";
  kill(pid, SIGTERM);
  if (missed.empty() && !logSays("stopping")) missed = "it never said it was stopping";
  kill(pid, SIGCONT);  // whatever happened: no writer is left held
  if (!waitUntilGone(pid) && missed.empty()) missed = "it did not end";
  return missed;
}

// Sends SIGTERM to a background vdc and waits until it is gone.
inline void terminateAndWait(int pid) {
  kill(pid, SIGTERM);
  waitUntilGone(pid);
}

// The calls a fault sweep of calls 1 to `last` faults: every one, or with
// VDC_SWEEP_EVERY=N every N-th from the first, and the last. Where a run is
// several times slower (the sanitizers' suite) or each costs a real
// host's seconds (the end-to-end suite in CI), scripts set N: points of
// failure spread over the walk.
inline int sweepStep(int last) {
  const char* n = std::getenv("VDC_SWEEP_EVERY");
  return n ? std::clamp(std::atoi(n), 1, std::max(last, 1)) : 1;
}

inline std::vector<int> sweptCalls(int last) {
  const int every = sweepStep(last);
  std::vector<int> calls;
  for (int k = 1; k <= last; k += every) calls.push_back(k);
  if (calls.back() != last) calls.push_back(last);
  return calls;
}

}  // namespace vdc::testing
