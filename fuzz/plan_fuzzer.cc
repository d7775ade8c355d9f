// libFuzzer target: any bytes as a saved plan file. A plan that is not valid
// JSON or not a vdc plan is refused with an Error, never a crash. Half the
// inputs get a digest that matches, so the field checks are reached.
#include <cstddef>
#include <cstdint>

#include "engine/plan.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vdc::Json json = vdc::Json::parse(data, data + size, nullptr, false);
  if (json.is_discarded()) return 0;
  // Past the digest, to the checks behind it (a plan edited by hand fails at the digest).
  if (json.is_object() && (size % 2 == 0)) json["digest"] = vdc::Plan::digest(json);
  try {
    vdc::Plan plan = vdc::Plan::fromJson(json);
    // What loads must save and load to the same plan.
    if (vdc::Plan::fromJson(plan.toJson()).toJson() != plan.toJson()) __builtin_trap();
  } catch (const vdc::Error&) {
  }
  return 0;
}
