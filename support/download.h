// Fetching an Image's source over http(s) with libcurl, to a local file,
// from where it is imported like any local image (image_import.h).
#pragma once

#include <string>

namespace vdc {

// Whether `source` is an http:// or https:// URL.
bool isHttpUrl(const std::string& source);

// Where a download may be redirected: anywhere (an Image's source, as
// mirrors need), or only on the URL's own host (an appliance image of a
// Target, whose host an allow-list may have let through: a redirect must
// not lead past it).
enum class Redirects { Anywhere, SameHost };

// Downloads `url` into `file`, streamed, following redirects as `redirects`
// allows (at most 10). A refused connection, an HTTP error status, a
// transfer that stalls for a minute, a redirect to another host where only
// the same one is allowed, or a URL of another scheme throws an Error that
// names the URL and the reason.
void download(const std::string& url, const std::string& file, Redirects redirects = Redirects::Anywhere);

}  // namespace vdc
