// A datacenter that misbehaves on purpose, for tests and benchmarks: it
// wraps another and, at the k-th provider call that changes something
// (create, update or remove, counted from 1 across all providers), fails
// that call or kills the process; or it adds a delay to every such call, as
// a remote host would.
//
// Selected by the environment:
//   VDC_FAULT=fail:K    the K-th call throws instead of acting
//   VDC_FAULT=flake:K   the K-th call throws a transient error, as a lost
//                       connection to the host would (Error::transient)
//   VDC_FAULT=kill:K    the process dies at the K-th call, before it acts;
//                       everything done before is kept, as on a real host
//   VDC_FAULT=hold:K    the K-th call waits, before it acts, until the process
//                       gets SIGCONT (five minutes at most); it says so on
//                       stderr first ("vdc: held by VDC_FAULT at call K"). The
//                       rest of the process goes on (a lease is renewed), so
//                       a test can meet a writer in the middle of its apply
//                       without guessing how long the apply takes
//   VDC_FAULT=fail:K,kill:M   several, each at its call (a failure, then a
//                       death while it is undone)
//   VDC_LATENCY_MS=N    every call waits N milliseconds first
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/provider.h"

namespace vdc {

struct FaultPlan {
  enum class Mode { None, Fail, Flake, Kill, Hold };
  std::map<long, Mode> faults;  // by the call that misbehaves, from 1
  int latencyMs = 0;

  bool active() const { return !faults.empty() || latencyMs > 0; }
  // What call `number` does; Mode::None: it acts.
  Mode at(long number) const {
    auto it = faults.find(number);
    return it == faults.end() ? Mode::None : it->second;
  }
  // Reads VDC_FAULT and VDC_LATENCY_MS; throws Error on a malformed value.
  static FaultPlan fromEnvironment();
};

// Wraps `inner` when `plan` asks for anything; returns `inner` otherwise.
DatacenterPtr withFaults(DatacenterPtr inner, const FaultPlan& plan);

}  // namespace vdc
