// The HTTP server under `vdc serve`: Boost.Beast over Asio (docs/decisions.md
// says why, and why not cpp-httplib). It holds against hostile clients:
// - a request arrives whole within its deadline, counted from the end of the
//   last answer (or the connection), not per read: a client that sends a
//   byte a second is dropped;
// - the request line and headers hold at most kMostHeaderBytes and
//   kMostHeaders fields (431 past them), the body maxBodyBytes (413); a
//   request with neither Content-Length nor chunked encoding has no body;
// - the path and the query decode to UTF-8 without control bytes (400);
// - reading and writing are asynchronous, so a slow client holds no
//   thread; handlers run on a pool of their own; at most maxConnections
//   are open at once (the next ones get 503 and are closed);
// - no Range requests are served: a response goes out once, whole;
// - HEAD is GET without the body; a 405 says what is Allowed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "serve/http_message.h"

namespace vdc::serve {

class HttpServer {
 public:
  static constexpr size_t kMostHeaderBytes = 16 * 1024;
  static constexpr size_t kMostHeaders = 100;

  struct Settings {
    std::string host = "127.0.0.1";
    int port = 0;                   // 0: any free port
    std::string certificate, key;   // TLS (PEM files): both or neither
    uint64_t maxBodyBytes = 1 << 20;
    std::chrono::seconds requestTimeout{30};
    // At a stop, how long a request that has begun to arrive still has to
    // arrive whole (and be told 503, rather than find the connection reset).
    std::chrono::milliseconds stopGrace{5000};
    int maxConnections = 1024;      // open at once
    int workers = 64;               // handlers at once (streams take theirs from the next two)
    int downloadWorkers = 4;        // downloads (streams of known length) at once; more wait
    int streamWorkers = 64;         // event streams (of unknown length) at once
  };
  using Handler = std::function<void(const Request&, Response&)>;
  // Told of each request refused before a route saw it: its method and path
  // as far as they were read ("" when not), and the status it got (408 for
  // one that did not arrive in time).
  using Refusal = std::function<void(const std::string& method, const std::string& path, int status)>;

  explicit HttpServer(Settings settings);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // A route: METHOD and an ECMAScript pattern of the whole path, whose
  // groups are the request's matches. A `quick` handler runs on the I/O
  // thread (it must not block: the health check, the console's files).
  void route(const std::string& method, const std::string& pattern, Handler handler, bool quick = false);
  // Runs before every route; an answer it gives (a status other than 0)
  // ends the request there.
  void before(Handler check);
  void onRefusal(Refusal refusal);
  // The answer for what no route matched or for a handler's exception
  // (status already set: 404, 405, 500); by default a bare status.
  void onError(Handler handler);

  // Binds and listens; throws Error when it cannot. The port bound.
  int bind();
  // Serves until stop() (at once when stop() came first).
  void run();
  // Drains: stops accepting, ends each connection waiting for a request
  // (one that has begun to arrive gets stopGrace to end, and a 503), lets each handler
  // running finish and its answer be written (within requestTimeout), ends
  // the streams at their next piece; returns once run() has returned.
  // Any thread but a handler's may call it, more than once.
  void stop();

  struct Impl;  // with the connections' sessions, in http_server.cc

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace vdc::serve
