#include "engine/provider.h"

#include <algorithm>

namespace vdc {

Provider& Datacenter::providerFor(Kind kind) {
  for (Provider* p : providers()) {
    auto kinds = p->kinds();
    if (std::find(kinds.begin(), kinds.end(), kind) != kinds.end()) return *p;
  }
  throw Error("this datacenter has no provider for " + std::string(kindName(kind)));
}

LiveState Datacenter::read(const std::string& vdc) {
  LiveState state;
  for (Provider* p : providers()) p->read(vdc, state);
  return state;
}

}  // namespace vdc
