#include "serve/http_server.h"

#include <sys/resource.h>

#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <regex>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include "base/error.h"
#include "base/text.h"
#include "serve/http_target.h"

namespace vdc::serve {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;

namespace {

constexpr size_t kRequestsPerConnection = 100;

}  // namespace

struct Route {
  std::string method;
  std::regex pattern;
  HttpServer::Handler handler;
  bool quick;
};

// A connection as the server's stop sees it: one waiting for a request
// ends at once; one being answered ends after its answer.
struct Connection {
  virtual ~Connection() = default;
  virtual void endIfIdle() = 0;
};

// Calls a stream's `done` once, when the last work that could still send a
// piece of it is gone: after its pump, or without one (a HEAD request, a
// head that could not be written, a stop before the pump began).
struct StreamEnd {
  std::function<void()> done;
  ~StreamEnd() {
    try {
      if (done) done();
    } catch (const std::exception& e) {
      spdlog::error("ending a stream: {}", e.what());
    }
  }
};

// Sessions and work on the pools hold the server by a plain pointer: it
// outlives them all. The members are declared in the order that makes it
// so: the pools go first, with whatever they still hold (a session's
// socket needs `io`), then `io` with what it holds, then the rest.
struct HttpServer::Impl {
  explicit Impl(Settings s)
      : settings(std::move(s)),
        busy(io.get_executor()),
        acceptor(net::make_strand(io)),
        acceptRetry(acceptor.get_executor()),
        workers(settings.workers),
        downloads(settings.downloadWorkers),
        streamWorkers(settings.streamWorkers) {}

  Settings settings;
  std::vector<Route> routes;
  Handler before, onError;
  Refusal refusal;
  std::atomic<int> open{0};
  std::optional<net::ssl::context> tls;
  // Taken to change `stopping`, to start I/O threads and to hand work to a
  // pool: nothing reaches a pool once its join has begun.
  std::mutex lifecycle;
  std::atomic<bool> stopping{false};
  std::once_flag drained;
  int running = 0;                  // callers inside run()
  std::condition_variable ranOut;   // told when one returns
  std::mutex connectionsMutex;
  std::unordered_map<const Connection*, std::weak_ptr<Connection>> connections;
  net::io_context io;
  // Keeps `io` running while the pools may still hand it answers to write.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> busy;
  tcp::acceptor acceptor;           // on a strand of its own, with its retry timer
  net::steady_timer acceptRetry;
  std::chrono::steady_clock::time_point lastAcceptWarning;
  std::vector<std::thread> ioThreads;
  net::thread_pool workers, downloads, streamWorkers;

  void accept();
  void drain();
  // What answers `request` (its matches filled in): a route's handler, or an error.
  void answer(Request& request, Response& response, bool& quick, Handler& handler);
  // Hands `work` to `pool`; false once the server is stopping.
  template <class Work>
  bool launch(net::thread_pool& pool, Work work) {
    std::lock_guard lock(lifecycle);
    if (stopping) return false;
    net::post(pool, std::move(work));
    return true;
  }
  // On an I/O thread: nothing may leave it (an audit log that cannot be written throws).
  void refused(const std::string& method, const std::string& path, int status) {
    try {
      if (refusal) refusal(method, path, status);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", method, path, e.what());
    }
  }
  void error(const Request& request, Response& response) {
    try {
      if (onError) onError(request, response);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", request.method, printable(request.path), e.what());
    }
  }
};

namespace {

// The path of a request refused before its route, as the audit matches it:
// decoded when it can be (so an escaped name is the name), bounded, printable.
std::string refusedPath(std::string_view target) {
  auto decoded = decodeTarget(target);
  std::string path = decoded ? decoded->path : std::string(target.substr(0, target.find('?')));
  return printable(std::string_view(path).substr(0, 200));
}

// One connection: requests read whole within their deadline, answered one
// at a time. Plain TCP or TLS. Everything but a handler's own work runs on
// the connection's strand.
template <class Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(HttpServer::Impl* server, Stream stream) : server_(server), stream_(std::move(stream)) {
    ++server_->open;
  }
  ~Session() override {
    --server_->open;
    std::lock_guard lock(server_->connectionsMutex);
    server_->connections.erase(this);
  }

  // On the connection's strand: served, or (past maxConnections) refused.
  void begin(bool busy) {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this(), busy] {
      if (!busy) return self->start();
      if constexpr (std::is_same_v<Stream, beast::tcp_stream>) self->refuseBusy();
      else self->close();  // no plain 503 inside TLS before its handshake
    });
  }

  void endIfIdle() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (!self->idle_) return;  // being answered: it ends after its answer
      // Nothing of a request arrived yet: nothing is lost. One under way
      // may still arrive whole within the stop's grace, to be told 503
      // (come back later) rather than find its connection reset.
      if (!self->parser_ || !self->parser_->got_some()) return self->close();
      // (A pending read's own deadline cannot be moved: a timer of its own.)
      self->grace_.emplace(self->stream_.get_executor());
      self->grace_->expires_after(self->server_->settings.stopGrace);
      self->grace_->async_wait([self](ErrorCode ec) {
        if (!ec && self->idle_) self->close();
      });
    });
  }

  void close() {
    if (grace_) grace_->cancel();
    ErrorCode ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
  }

 private:
  void start() {
    {
      std::lock_guard lock(server_->connectionsMutex);
      server_->connections[this] = this->shared_from_this();
    }
    // After the registration: a stop that began before it is seen here, one
    // that begins after it finds this connection.
    if (server_->stopping) return close();
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      idle_ = true;
      beast::get_lowest_layer(stream_).expires_after(server_->settings.requestTimeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](ErrorCode ec) {
                                self->idle_ = false;
                                if (!ec) self->read();
                              });
    } else {
      read();
    }
  }

  // Past maxConnections: a bare 503, then the connection goes.
  void refuseBusy() {
    auto text = std::make_shared<std::string>(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nRetry-After: 5\r\nConnection: close\r\n\r\n");
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    net::async_write(stream_, net::buffer(*text), [self = this->shared_from_this(), text](ErrorCode, size_t) {
      self->close();
    });
  }

  void read() {
    if (server_->stopping) return close();
    idle_ = true;
    parser_.emplace();
    parser_->header_limit(HttpServer::kMostHeaderBytes);
    parser_->body_limit(server_->settings.maxBodyBytes);
    // One deadline for the whole request, however its bytes arrive.
    beast::get_lowest_layer(stream_).expires_after(server_->settings.requestTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](ErrorCode ec, size_t) { self->onRead(ec); });
  }

  void onRead(ErrorCode ec) {
    idle_ = false;
    // What the request line said, once it was read (before the rest of the head, maybe).
    std::string method(parser_->get().method_string());
    auto line = parser_->get().target();
    std::string_view text(line.data(), line.size());
    if (ec == http::error::end_of_stream && !parser_->got_some()) return close();
    if (ec == net::error::operation_aborted) return close();  // closed by the stop (its grace ended)
    if (ec == beast::error::timeout) {
      if (parser_->got_some()) server_->refused(method, refusedPath(text), 408);
      return close();
    }
    if (ec == http::error::header_limit) return fail(method, text, 431, "the request line and headers are too large");
    if (ec == http::error::body_limit) return fail(method, text, 413, "the body is larger than the server takes");
    if (ec) return parser_->got_some() ? fail(method, text, 400, "the request is not HTTP/1.1") : close();

    auto& message = parser_->get();
    size_t fields = std::distance(message.begin(), message.end());
    if (fields > HttpServer::kMostHeaders) return fail(method, text, 431, "the request has too many headers");
    Request request;
    request.method = method;
    auto decodedTarget = decodeTarget(text);
    if (!decodedTarget) return fail(method, text, 400, "the path or the query is not percent-encoded UTF-8");
    request.path = std::move(decodedTarget->path);
    request.params = std::move(decodedTarget->params);
    for (const auto& field : message)
      request.headers.emplace_back(lowerCase(std::string(field.name_string())), std::string(field.value()));
    request.body = std::move(message.body());
    keepAlive_ = message.keep_alive() && ++served_ < kRequestsPerConnection;
    version_ = message.version();
    head_ = method == "HEAD";

    auto response = std::make_shared<Response>();
    auto shared = std::make_shared<Request>(std::move(request));
    bool quick = true;
    HttpServer::Handler handler;
    try {
      server_->answer(*shared, *response, quick, handler);
    } catch (const std::exception& e) {  // the check before the routes threw: never out of an I/O thread
      failed(*shared, *response, e);
      handler = nullptr;
    }
    if (!handler) return write(response);
    auto self = this->shared_from_this();
    auto run = [self, shared, response, handler] {
      try {
        handler(*shared, *response);
      } catch (const std::exception& e) {
        self->failed(*shared, *response, e);
      }
      net::post(self->stream_.get_executor(), [self, response] { self->write(response); });
    };
    if (quick) return run();
    if (server_->launch(server_->workers, run)) return;
    // Parsed just as the server began to stop.
    response->status = 503;
    response->setHeader("Retry-After", "5");
    response->body = "the server is stopping";
    server_->error(*shared, *response);
    write(response);
  }

  // A handler (or the check before them) threw: 500, dressed by the error handler.
  void failed(const Request& request, Response& response, const std::exception& e) {
    spdlog::error("{} {}: {}", request.method, printable(request.path), e.what());
    response = Response{};
    response.status = 500;
    server_->error(request, response);
  }

  // Refused before any route saw it: `why` is the body the error handler dresses.
  void fail(const std::string& method, std::string_view target, int status, const std::string& why) {
    Request request;
    request.method = method;
    request.path = refusedPath(target);
    server_->refused(method, request.path, status);
    auto response = std::make_shared<Response>();
    response->status = status;
    response->body = why;
    server_->error(request, *response);
    keepAlive_ = false;
    version_ = 11;
    head_ = false;
    write(response);
  }

  void write(std::shared_ptr<Response> response) {
    if (response->stream) return writeStream(std::move(response));
    auto message = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response->status), version_);
    for (const auto& [name, value] : response->headers) message->set(name, value);
    message->body() = std::move(response->body);
    message->keep_alive(keepAlive_ && !server_->stopping);
    message->prepare_payload();
    // A HEAD answer: the GET's head, Content-Length included, without its body.
    if (head_) message->body().clear();
    beast::get_lowest_layer(stream_).expires_after(server_->settings.requestTimeout);
    auto serializer = std::make_shared<http::response_serializer<http::string_body>>(*message);
    auto written = [self = this->shared_from_this(), message, serializer](ErrorCode ec, size_t) {
      if (ec || !self->keepAlive_ || self->server_->stopping) return self->close();
      self->read();
    };
    if (head_) http::async_write_header(stream_, *serializer, std::move(written));
    else http::async_write(stream_, *serializer, std::move(written));
  }

  // The head, then each piece as it is made (on a stream worker, which may
  // wait for the next piece as long as it takes; a download, a stream of
  // known length, on a pool of its own so that open event streams never
  // hold it up), each write within the deadline. The connection ends with
  // the stream. Without a length the pieces go out chunked, or, to an
  // HTTP/1.0 client, as they are, ended by the connection's end.
  void writeStream(std::shared_ptr<Response> response) {
    auto end = std::make_shared<StreamEnd>();
    end->done = std::move(response->stream->done);
    std::optional<uint64_t> length = response->stream->length;
    auto head = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(response->status), version_);
    for (const auto& [name, value] : response->headers) head->set(name, value);
    bool chunked = !length && version_ >= 11 && !head_;
    if (chunked) head->chunked(true);
    else if (length) head->content_length(*length);
    head->keep_alive(false);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    beast::get_lowest_layer(stream_).expires_after(server_->settings.requestTimeout);
    auto self = this->shared_from_this();
    http::async_write_header(stream_, *serializer, [self, head, serializer, response, chunked, end](ErrorCode ec, size_t) {
      if (ec || self->head_) return self->close();
      auto& pool = response->stream->length ? self->server_->downloads : self->server_->streamWorkers;
      auto pump = [self, response, chunked, end] { self->pump(*response, chunked); };
      if (!self->server_->launch(pool, std::move(pump))) self->close();
    });
  }

  void pump(Response& response, bool chunked) {
    while (!server_->stopping) {
      auto piece = response.stream->next();
      if (!piece) break;
      if (piece->empty()) continue;
      if (!send(std::move(*piece), chunked)) break;
    }
    if (chunked && !server_->stopping) send({}, true);
    net::post(stream_.get_executor(), [self = this->shared_from_this()] { self->close(); });
  }

  // Writes one piece from a stream worker; false when it could not be
  // written in time or the server is stopping. An empty chunked piece is
  // the last chunk.
  bool send(std::string piece, bool chunked) {
    auto sent = std::make_shared<std::promise<bool>>();
    auto written = sent->get_future();
    auto data = std::make_shared<std::string>(std::move(piece));
    net::post(stream_.get_executor(), [self = this->shared_from_this(), data, chunked, sent] {
      beast::get_lowest_layer(self->stream_).expires_after(self->server_->settings.requestTimeout);
      auto done = [sent, data](ErrorCode ec, size_t) { sent->set_value(!ec); };
      if (!chunked) net::async_write(self->stream_, net::buffer(*data), done);
      else if (data->empty()) net::async_write(self->stream_, http::make_chunk_last(), done);
      else net::async_write(self->stream_, http::make_chunk(net::buffer(*data)), done);
    });
    while (written.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready)
      if (server_->stopping) return false;
    return written.get();
  }

  HttpServer::Impl* server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  bool keepAlive_ = false;
  bool head_ = false;   // a HEAD request: the answer's head only
  bool idle_ = false;   // waiting for a request (or a TLS handshake)
  std::optional<net::steady_timer> grace_;  // at a stop, for a request under way
  unsigned version_ = 11;
  size_t served_ = 0;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [self = this](ErrorCode ec, tcp::socket socket) {
    if (ec) {
      if (self->stopping || ec == net::error::operation_aborted) return;
      // Out of file descriptors, say: try again shortly rather than at once
      // (a pending connection would fail the same way in a busy loop).
      auto now = std::chrono::steady_clock::now();
      if (now - self->lastAcceptWarning > std::chrono::minutes(1)) {
        spdlog::warn("cannot accept a connection: {} (told once a minute)", ec.message());
        self->lastAcceptWarning = now;
      }
      self->acceptRetry.expires_after(std::chrono::milliseconds(100));
      self->acceptRetry.async_wait([self](ErrorCode waited) {
        if (!waited && !self->stopping) self->accept();
      });
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);  // a head and a body in two writes: no wait for a delayed ACK
    bool busy = self->open >= self->settings.maxConnections;
    if (self->tls)
      std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
          self, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *self->tls))
          ->begin(busy);
    else
      std::make_shared<Session<beast::tcp_stream>>(self, beast::tcp_stream(std::move(socket)))->begin(busy);
    if (!self->stopping) self->accept();
  });
}

void HttpServer::Impl::answer(Request& request, Response& response, bool& quick, Handler& handler) {
  // HEAD is GET without the body (the session leaves it out).
  const std::string method = request.method == "HEAD" ? "GET" : request.method;
  std::set<std::string> allowed;
  for (const auto& route : routes) {
    std::smatch found;
    if (!std::regex_match(request.path, found, route.pattern)) continue;
    allowed.insert(route.method);
    if (route.method != method) continue;
    request.matches.assign(found.begin(), found.end());
    if (before) {
      response.status = 0;
      before(request, response);
      if (response.status != 0) return;
      response.status = 200;
    }
    quick = route.quick;
    handler = route.handler;
    return;
  }
  response.status = allowed.empty() ? 404 : 405;
  if (before) {
    Response checked;
    checked.status = 0;
    before(request, checked);
    if (checked.status != 0) {
      response = std::move(checked);
      return;
    }
  }
  if (response.status == 405) {
    if (allowed.count("GET")) allowed.insert("HEAD");
    std::string list;
    for (const auto& name : allowed) list += (list.empty() ? "" : ", ") + name;
    response.setHeader("Allow", list);
  }
  error(request, response);
}

HttpServer::HttpServer(Settings settings) : impl_(std::make_unique<Impl>(std::move(settings))) {
  const Settings& s = impl_->settings;
  if (!s.certificate.empty()) {
    impl_->tls.emplace(net::ssl::context::tls_server);
    ErrorCode ec;
    impl_->tls->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                            net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
    impl_->tls->use_certificate_chain_file(s.certificate, ec);
    if (!ec) impl_->tls->use_private_key_file(s.key, net::ssl::context::pem, ec);
    if (ec) throw Error("cannot use the TLS certificate " + s.certificate + " and key " + s.key + ": " + ec.message());
  }
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::route(const std::string& method, const std::string& pattern, Handler handler, bool quick) {
  impl_->routes.push_back({method, std::regex(pattern), std::move(handler), quick});
}

void HttpServer::before(Handler check) { impl_->before = std::move(check); }
void HttpServer::onRefusal(Refusal refusal) { impl_->refusal = std::move(refusal); }
void HttpServer::onError(Handler handler) { impl_->onError = std::move(handler); }

int HttpServer::bind() {
  const Settings& s = impl_->settings;
  ErrorCode ec;
  auto address = net::ip::make_address(s.host == "localhost" ? "127.0.0.1" : s.host, ec);
  if (ec) throw Error("cannot listen on " + s.host + ": not an address");
  tcp::endpoint endpoint(address, static_cast<unsigned short>(s.port));
  auto& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  // SO_REUSEADDR only: never SO_REUSEPORT, which would let a second server share the port.
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  // A queue long enough for many clients reconnecting at once.
  if (!ec) acceptor.listen(1024, ec);
  if (ec) throw Error("cannot listen on " + s.host + ":" + std::to_string(s.port) + ": " + ec.message());
  // Room for maxConnections beside the process's other files (a soft limit
  // of 1,024, the usual one, is not): as far as the hard limit allows.
  rlimit files{};
  rlim_t wanted = static_cast<rlim_t>(s.maxConnections) + 1024;
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < wanted) {
    files.rlim_cur = std::min(wanted, files.rlim_max);
    setrlimit(RLIMIT_NOFILE, &files);
  }
  return acceptor.local_endpoint().port();
}

void HttpServer::run() {
  {
    std::lock_guard lock(impl_->lifecycle);
    if (impl_->stopping) return;
    ++impl_->running;
    impl_->accept();
    // Two threads do all the reading and writing; handlers run on the pools.
    impl_->ioThreads.emplace_back([impl = impl_.get()] { impl->io.run(); });
  }
  // However run() ends, a stop waiting for it hears of it.
  struct Ran {
    Impl& impl;
    ~Ran() {
      std::lock_guard lock(impl.lifecycle);
      --impl.running;
      impl.ranOut.notify_all();
    }
  } ran{*impl_};
  impl_->io.run();
}

void HttpServer::stop() {
  std::call_once(impl_->drained, [impl = impl_.get()] { impl->drain(); });
  std::unique_lock lock(impl_->lifecycle);
  impl_->ranOut.wait(lock, [impl = impl_.get()] { return impl->running == 0; });
}

void HttpServer::Impl::drain() {
  {
    std::lock_guard lock(lifecycle);
    stopping = true;
  }
  net::post(acceptor.get_executor(), [this] {
    ErrorCode ignored;
    acceptor.close(ignored);
    acceptRetry.cancel();
  });
  // A connection waiting for a request ends now; one being answered, once
  // its answer is written.
  std::vector<std::shared_ptr<Connection>> alive;
  {
    std::lock_guard lock(connectionsMutex);
    for (const auto& [key, connection] : connections)
      if (auto held = connection.lock()) alive.push_back(std::move(held));
  }
  for (const auto& connection : alive) connection->endIfIdle();
  alive.clear();
  // The handlers and pumps running end (a pump at its next piece); what
  // they hand the I/O threads is written, each write within requestTimeout;
  // then `io` runs out of work and its threads return.
  workers.join();
  downloads.join();
  streamWorkers.join();
  busy.reset();
  for (auto& thread : ioThreads)
    if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) thread.join();
}

}  // namespace vdc::serve
