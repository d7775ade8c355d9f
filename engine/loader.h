// Loads a VDC directory: every *.yaml / *.yml below it (hidden folders
// skipped), every document, fully checked. The Vdc is usable only when
// `diags` stays empty.
#pragma once

#include <string>

#include "engine/model.h"

namespace vdc {

Vdc loadVdc(const std::string& directory, Diagnostics& diags);

}  // namespace vdc
