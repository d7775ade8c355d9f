// libFuzzer target: any bytes as an answer of an etcd member, to each call
// vdc makes. An answer that cannot be taken is an Error, never a crash or
// another exception; what is taken holds what vdc relies on (a lease id
// and a created key's revision positive, nothing negative).
#include <cstddef>
#include <cstdint>

#include "base/error.h"
#include "providers/etcd/answers.h"

using namespace vdc::etcd;

namespace {

template <typename Read>
void taken(Read read) {
  try {
    read();
  } catch (const vdc::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  answers::Json json = answers::Json::parse(data, data + size, nullptr, false);
  if (json.is_discarded()) return 0;
  taken([&] {
    if (answers::grantedLease(json) <= 0) __builtin_trap();
  });
  taken([&] {
    if (answers::timeLeft(json) < 0) __builtin_trap();
  });
  taken([&] {
    Claim claim = answers::claim(json, "/vdc/locks/x", "holder", 7);
    if (claim.created && claim.now.createRevision <= 0) __builtin_trap();
    if (claim.now.createRevision < 0 || claim.now.lease < 0) __builtin_trap();
  });
  taken([&] {
    for (const auto& kv : answers::keyValues(json))
      if (kv.createRevision < 0 || kv.lease < 0) __builtin_trap();
  });
  // These read anything.
  if (answers::clusterOf(json).size() > 4 * 32) __builtin_trap();
  answers::errorOf(json);
  return 0;
}
