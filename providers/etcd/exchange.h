// One POST to an etcd member, over HTTP or HTTPS, bounded as a whole: the
// connection, the TLS handshake, the request and the whole answer within
// one deadline (a member that trickles bytes, or stalls a handshake, is cut
// off then), and the answer's body within a size.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "providers/etcd/settings.h"

namespace vdc::etcd {

struct Exchange {
  int status = 0;         // the HTTP status; 0 when there was no answer
  std::string body;
  std::string failure;    // why there was no answer ("cannot connect", ...)
  bool timedOut = false;  // the deadline passed first
};

// `endpoint` is http://HOST:PORT or https://HOST:PORT; TLS files come from `settings`.
Exchange post(const std::string& endpoint, const std::string& path, const std::string& body,
              std::chrono::milliseconds within, size_t maxBytes, const Settings& settings);

}  // namespace vdc::etcd
