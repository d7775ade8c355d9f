// Fetching an Image's source over http(s) with libcurl, to a local file,
// from where it is imported like any local image (image_import.h).
#pragma once

#include <string>

namespace vdc {

// Whether `source` is an http:// or https:// URL.
bool isHttpUrl(const std::string& source);

// Downloads `url` into `file`, streamed, following redirects. A refused
// connection, an HTTP error status, a transfer that stalls for a minute or a
// URL of another scheme throws an Error that names the URL and the reason.
void download(const std::string& url, const std::string& file);

}  // namespace vdc
