// Bounds on the operations at once beside an apply's --parallelism, as a
// Target sets them: at most N on each host, at most M on each storage pool,
// because a small host or a slow pool must not take the whole width.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/model.h"

namespace vdc {

struct ParallelLimits {
  std::map<std::string, int> perHost;                 // host name -> most at once
  std::map<std::string, int> perPool;                 // pool name -> most at once, on each host
  std::map<std::string, std::string> poolOfClass;     // storage class -> pool name (none: the class's name)
  std::vector<std::string> hosts;                     // every host's name, in Target order

  bool empty() const { return perHost.empty() && perPool.empty(); }

  struct Bound {
    std::string name;  // "host/NAME" or "host/NAME/pool/POOL"
    int most = 1;
    bool operator==(const Bound&) const = default;
  };
  // What one operation on a resource of `kind` holds while it runs: each
  // host it acts on (`hosts` in its spec on a Target of several hosts,
  // every host otherwise) and, for a kind that keeps a disk, the pool of
  // its storage class on each of those hosts; only those with a limit.
  std::vector<Bound> boundsOf(Kind kind, const Json& spec) const;
};

}  // namespace vdc
