// A spec that did not come from the manifest reader (a saved plan's) held
// to the same schema: every field of the right type and within its bounds,
// no field the schema does not know but those planning adds (addresses,
// members, backends, hosts, the revision in force).
#pragma once

#include <string>
#include <vector>

#include "engine/model.h"

namespace vdc {

// Appends to `problems` one line per field of `spec` (of a resource of
// `kind`) that is not as the schema says; `where` starts each line.
void checkSpec(Kind kind, const Json& spec, const std::string& where, std::vector<std::string>& problems);

}  // namespace vdc
