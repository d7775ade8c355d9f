// Writes a synthetic VDC of about `resources` resources: networks, security
// groups, images, key pairs, volumes and instances in the proportions of a
// large real datacenter, 1,000 documents per file.
#pragma once

#include <cstddef>
#include <string>

namespace vdc::bench {

// Returns the exact number of resources written.
size_t generateVdc(const std::string& directory, size_t resources);

}  // namespace vdc::bench
