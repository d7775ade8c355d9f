#include "serve/http_server.h"

#include <atomic>
#include <future>
#include <mutex>
#include <regex>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <spdlog/spdlog.h>

#include "engine/error.h"
#include "engine/text.h"
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

std::string Request::header(const std::string& name) const {
  std::string wanted = lowerCase(name);
  for (const auto& [key, value] : headers)
    if (key == wanted) return value;
  return "";
}

std::string Request::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

void Response::setHeader(const std::string& name, const std::string& value) {
  for (auto& [key, old] : headers)
    if (lowerCase(key) == lowerCase(name)) {
      old = value;
      return;
    }
  headers.emplace_back(name, value);
}

std::string Response::header(const std::string& name) const {
  for (const auto& [key, value] : headers)
    if (lowerCase(key) == lowerCase(name)) return value;
  return "";
}

void Response::setContent(std::string content, const std::string& type) {
  body = std::move(content);
  setHeader("Content-Type", type);
}

void Response::redirect(const std::string& location) {
  status = 302;
  setHeader("Location", location);
}

struct Route {
  std::string method;
  std::regex pattern;
  HttpServer::Handler handler;
  bool quick;
};

// Sessions and handlers hold the server by a plain pointer: it outlives
// them all, since what the I/O context still holds when it stops is
// destroyed with it, before the members declared above it.
struct HttpServer::Impl {
  explicit Impl(Settings s)
      : settings(std::move(s)), workers(settings.workers), streamWorkers(settings.streamWorkers), acceptor(io) {}

  Settings settings;
  std::vector<Route> routes;
  Handler before, onError;
  Refusal refusal;
  std::atomic<int> open{0};
  std::atomic<bool> stopping{false};
  std::optional<net::ssl::context> tls;
  net::thread_pool workers, streamWorkers;
  net::io_context io;
  tcp::acceptor acceptor;
  std::vector<std::thread> ioThreads;

  void accept();
  // What answers `request` (its matches filled in): a route's handler, or an error.
  void answer(Request& request, Response& response, bool& quick, Handler& handler);
  // On an I/O thread: nothing may leave it (an audit log that cannot be written throws).
  void refused(const std::string& method, const std::string& path, int status) {
    try {
      if (refusal) refusal(method, path, status);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: {}", method, path, e.what());
    }
  }
  void error(const Request& request, Response& response) {
    if (onError) onError(request, response);
  }
};

namespace {

// One connection: requests read whole within their deadline, answered one
// at a time. Plain TCP or TLS.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
 public:
  Session(HttpServer::Impl* server, Stream stream) : server_(server), stream_(std::move(stream)) {
    ++server_->open;
  }
  ~Session() { --server_->open; }

  void start() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(server_->settings.requestTimeout);
      stream_.async_handshake(net::ssl::stream_base::server,
                              [self = this->shared_from_this()](ErrorCode ec) {
                                if (!ec) self->read();
                              });
    } else {
      read();
    }
  }

  void close() {
    ErrorCode ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
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

 private:
  void read() {
    parser_.emplace();
    parser_->header_limit(HttpServer::kMostHeaderBytes);
    parser_->body_limit(server_->settings.maxBodyBytes);
    // One deadline for the whole request, however its bytes arrive.
    beast::get_lowest_layer(stream_).expires_after(server_->settings.requestTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](ErrorCode ec, size_t) { self->onRead(ec); });
  }

  void onRead(ErrorCode ec) {
    // What the request line said, once it was read (before the rest of the head, maybe).
    std::string method(parser_->get().method_string());
    auto line = parser_->get().target();
    std::string_view text(line.data(), line.size());
    std::string path = printable(text.substr(0, text.find('?')).substr(0, 200));
    if (ec == http::error::end_of_stream && !parser_->got_some()) return close();
    if (ec == beast::error::timeout) {
      if (parser_->got_some()) server_->refused(method, path, 408);
      return close();
    }
    if (ec == http::error::header_limit) return fail(method, path, 431, "the request line and headers are too large");
    if (ec == http::error::body_limit) return fail(method, path, 413, "the body is larger than the server takes");
    if (ec) return parser_->got_some() ? fail(method, path, 400, "the request is not HTTP/1.1") : close();

    auto& message = parser_->get();
    size_t fields = std::distance(message.begin(), message.end());
    if (fields > HttpServer::kMostHeaders) return fail(method, path, 431, "the request has too many headers");
    Request request;
    request.method = method;
    auto decodedTarget = decodeTarget(text);
    if (!decodedTarget) return fail(method, path, 400, "the path or the query is not percent-encoded UTF-8");
    request.path = std::move(decodedTarget->path);
    request.params = std::move(decodedTarget->params);
    for (const auto& field : message)
      request.headers.emplace_back(lowerCase(std::string(field.name_string())), std::string(field.value()));
    request.body = std::move(message.body());
    keepAlive_ = message.keep_alive() && ++served_ < kRequestsPerConnection;
    version_ = message.version();

    auto response = std::make_shared<Response>();
    auto shared = std::make_shared<Request>(std::move(request));
    bool quick = true;
    HttpServer::Handler handler;
    server_->answer(*shared, *response, quick, handler);
    if (!handler) return write(response);
    auto self = this->shared_from_this();
    auto run = [self, shared, response, handler] {
      try {
        handler(*shared, *response);
      } catch (const std::exception& e) {
        spdlog::error("{} {}: {}", shared->method, printable(shared->path), e.what());
        *response = Response{};
        response->status = 500;
        self->server_->error(*shared, *response);
      }
      net::post(self->stream_.get_executor(), [self, response] { self->write(response); });
    };
    if (quick) run();
    else net::post(server_->workers, run);
  }

  // Refused before any route saw it: `why` is the body the error handler dresses.
  void fail(const std::string& method, const std::string& path, int status, const std::string& why) {
    server_->refused(method, path, status);
    auto response = std::make_shared<Response>();
    response->status = status;
    response->body = why;
    Request request;
    request.method = method;
    request.path = path;
    server_->error(request, *response);
    keepAlive_ = false;
    version_ = 11;
    write(response);
  }

  void write(std::shared_ptr<Response> response) {
    if (response->stream) return writeStream(std::move(response));
    auto message = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(response->status), version_);
    for (const auto& [name, value] : response->headers) message->set(name, value);
    message->body() = std::move(response->body);
    message->keep_alive(keepAlive_);
    message->prepare_payload();
    beast::get_lowest_layer(stream_).expires_after(server_->settings.requestTimeout);
    http::async_write(stream_, *message, [self = this->shared_from_this(), message](ErrorCode ec, size_t) {
      if (ec || !self->keepAlive_) return self->close();
      self->read();
    });
  }

  // The head, then each piece as it is made (on a stream worker, which may
  // wait for the next piece as long as it takes), each write within the
  // deadline. The connection ends with the stream.
  void writeStream(std::shared_ptr<Response> response) {
    auto head = std::make_shared<http::response<http::empty_body>>(static_cast<http::status>(response->status), version_);
    for (const auto& [name, value] : response->headers) head->set(name, value);
    bool chunked = !response->stream->length;
    if (chunked) head->chunked(true);
    else head->content_length(*response->stream->length);
    head->keep_alive(false);
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*head);
    beast::get_lowest_layer(stream_).expires_after(server_->settings.requestTimeout);
    auto self = this->shared_from_this();
    http::async_write_header(stream_, *serializer, [self, head, serializer, response, chunked](ErrorCode ec, size_t) {
      if (ec) {
        if (response->stream->done) response->stream->done();
        return self->close();
      }
      net::post(self->server_->streamWorkers, [self, response, chunked] { self->pump(*response, chunked); });
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
    if (response.stream->done) response.stream->done();
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
  unsigned version_ = 11;
  size_t served_ = 0;
};

}  // namespace

void HttpServer::Impl::accept() {
  acceptor.async_accept(net::make_strand(io), [self = this](ErrorCode ec, tcp::socket socket) {
    if (ec) {
      if (!self->stopping) self->accept();
      return;
    }
    socket.set_option(tcp::no_delay(true), ec);  // a head and a body in two writes: no wait for a delayed ACK
    bool busy = self->open >= self->settings.maxConnections;
    if (self->tls) {
      auto session = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
          self, beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *self->tls));
      if (busy) session->close();  // no plain 503 inside TLS before its handshake
      else session->start();
    } else {
      auto session = std::make_shared<Session<beast::tcp_stream>>(self, beast::tcp_stream(std::move(socket)));
      if (busy) session->refuseBusy();
      else session->start();
    }
    self->accept();
  });
}

void HttpServer::Impl::answer(Request& request, Response& response, bool& quick, Handler& handler) {
  bool pathKnown = false;
  for (const auto& route : routes) {
    std::smatch found;
    if (!std::regex_match(request.path, found, route.pattern)) continue;
    pathKnown = true;
    if (route.method != request.method) continue;
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
  response.status = pathKnown ? 405 : 404;
  if (before) {
    Response checked;
    checked.status = 0;
    before(request, checked);
    if (checked.status != 0) {
      response = std::move(checked);
      return;
    }
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
  return acceptor.local_endpoint().port();
}

void HttpServer::run() {
  impl_->accept();
  // Two threads do all the reading and writing; handlers run on the pools.
  impl_->ioThreads.emplace_back([impl = impl_.get()] { impl->io.run(); });
  impl_->io.run();
}

void HttpServer::stop() {
  if (impl_->stopping.exchange(true)) return;
  net::post(impl_->io, [impl = impl_.get()] {
    ErrorCode ignored;
    impl->acceptor.close(ignored);
  });
  // Handlers first: one that ends now may still start a stream, whose pump
  // then sees the stop at its first piece.
  impl_->workers.join();
  impl_->streamWorkers.join();
  impl_->io.stop();
  for (auto& thread : impl_->ioThreads)
    if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) thread.join();
}

}  // namespace vdc::serve
