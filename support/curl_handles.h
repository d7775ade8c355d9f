// libcurl's handles, each freed with libcurl's own call (base/release.h).
#pragma once

#include <memory>

#include <curl/curl.h>

#include "base/release.h"

namespace vdc {

using CurlEasy = std::unique_ptr<CURL, Release<curl_easy_cleanup>>;
using CurlUrl = std::unique_ptr<CURLU, Release<curl_url_cleanup>>;
using CurlText = std::unique_ptr<char, Release<curl_free>>;  // a string libcurl made

}  // namespace vdc
