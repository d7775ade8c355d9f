#include "support/download.h"

#include <curl/curl.h>

#include <fstream>
#include <memory>
#include <mutex>

#include "base/error.h"
#include "base/text.h"
#include "engine/stop_request.h"
#include "support/curl_handles.h"

namespace vdc {

namespace {

// The host of `url`, lower-case as libcurl parses it; "" when it has none.
std::string hostOf(const std::string& url) {
  CurlUrl parsed(curl_url());
  char* host = nullptr;
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK ||
      curl_url_get(parsed.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK)
    return "";
  CurlText held(host);
  return lowerCase(host);
}

// Called at least once a second, whatever arrives: non-zero stops the transfer.
int stopWhenAsked(void*, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return longStepsStop() ? 1 : 0;
}

size_t writeTo(char* bytes, size_t size, size_t count, void* out) {
  auto* file = static_cast<std::ofstream*>(out);
  file->write(bytes, static_cast<std::streamsize>(size * count));
  return *file ? size * count : 0;  // anything else makes libcurl stop with a write error
}

}  // namespace

bool isHttpUrl(const std::string& source) { return source.starts_with("http://") || source.starts_with("https://"); }

void download(const std::string& url, const std::string& file, Redirects redirects) {
  if (!isHttpUrl(url)) throw Error("cannot download " + withoutUserInfo(url) + ": only http:// and https:// URLs are fetched");
  static std::once_flag initialized;
  std::call_once(initialized, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  CurlEasy curl(curl_easy_init());
  if (!curl) throw Error("cannot download " + withoutUserInfo(url) + ": libcurl did not start");
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) throw Error("cannot download " + withoutUserInfo(url) + ": cannot write " + file);

  char reason[CURL_ERROR_SIZE] = "";
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // On the same host only, redirects are followed here, each checked first.
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, redirects == Redirects::Anywhere ? 1L : 0L);
  curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 10L);
  curl_easy_setopt(handle, CURLOPT_FAILONERROR, 1L);  // an HTTP status of 400 or more is an error
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);     // applies run on many threads
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);  // under a byte a second ...
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME, 60L);  // ... for a minute: stalled
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, reason);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, writeTo);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, stopWhenAsked);
  curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
  CURLcode result = curl_easy_perform(handle);
  for (int followed = 0; result == CURLE_OK && redirects == Redirects::SameHost; ++followed) {
    long status = 0;
    char* next = nullptr;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(handle, CURLINFO_REDIRECT_URL, &next);
    if (status < 300 || status > 399 || !next) break;
    std::string location = next;
    if (followed == 10) throw Error("cannot download " + withoutUserInfo(url) + ": more than 10 redirects");
    if (hostOf(location).empty() || hostOf(location) != hostOf(url))
      throw Error("cannot download " + withoutUserInfo(url) + ": it redirects to another host (" +
                  printable(hostOf(location).substr(0, 100)) + "), and this download stays on its own");
    out.close();
    out.open(file, std::ios::binary | std::ios::trunc);  // the redirect's own body goes
    curl_easy_setopt(handle, CURLOPT_URL, location.c_str());
    result = curl_easy_perform(handle);
  }
  if (result == CURLE_ABORTED_BY_CALLBACK) throw Error("interrupted while downloading " + withoutUserInfo(url));
  if (result != CURLE_OK) {
    // A server out of reach, slow or failing now may answer later; a refused URL, an
    // HTTP 4xx or a file that cannot be written will not.
    bool transient = result == CURLE_COULDNT_RESOLVE_HOST || result == CURLE_COULDNT_CONNECT ||
                     result == CURLE_OPERATION_TIMEDOUT || result == CURLE_RECV_ERROR || result == CURLE_SEND_ERROR ||
                     result == CURLE_GOT_NOTHING || result == CURLE_PARTIAL_FILE;
    throw Error("cannot download " + withoutUserInfo(url) + ": " + (reason[0] ? reason : curl_easy_strerror(result)),
                static_cast<int>(result), transient);
  }
  if (!out.flush()) throw Error("cannot download " + withoutUserInfo(url) + ": cannot write " + file);
}

}  // namespace vdc
