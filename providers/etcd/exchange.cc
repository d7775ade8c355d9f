#include "providers/etcd/exchange.h"

#include <charconv>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>  // before Asio 1.74, whose awaitable.hpp uses std::exchange without it
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>

namespace vdc::etcd {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using ErrorCode = boost::system::error_code;

namespace {

struct Place {
  bool tls = false;
  std::string host, port;
};

std::optional<Place> placeOf(const std::string& endpoint) {
  Place place;
  std::string rest;
  if (endpoint.starts_with("https://")) place.tls = true, rest = endpoint.substr(8);
  else if (endpoint.starts_with("http://")) rest = endpoint.substr(7);
  else return std::nullopt;
  rest = rest.substr(0, rest.find('/'));
  size_t colon = rest.rfind(':');
  if (rest.starts_with("[")) {  // [::1]:2379
    size_t close = rest.find(']');
    if (close == std::string::npos) return std::nullopt;
    place.host = rest.substr(1, close - 1);
    place.port = close + 1 < rest.size() && rest[close + 1] == ':' ? rest.substr(close + 2) : "";
  } else {
    place.host = rest.substr(0, colon);
    place.port = colon == std::string::npos ? "" : rest.substr(colon + 1);
  }
  if (place.port.empty()) place.port = place.tls ? "443" : "80";
  if (place.host.empty()) return std::nullopt;
  return place;
}

struct Resolved {
  std::vector<tcp::endpoint> endpoints;
  std::string failure;
};

// Lookups of names under way, by host and port: a call joins the one under
// way rather than start another, and at most kMostLookups run at once, so
// a resolver that hangs costs a few threads, not one a call. Never
// destroyed: a lookup may outlive every caller, up to the process's exit.
struct Lookups {
  static constexpr size_t kMostLookups = 8;
  std::mutex mutex;
  std::map<std::string, std::shared_future<Resolved>> underWay;
};

Lookups& lookups() {
  static auto* all = new Lookups;
  return *all;
}

// The addresses of `place` by `deadline`. An address is taken as it is. A
// name is resolved on a thread of its own, since getaddrinfo cannot be
// cancelled: past the deadline it is left to end when the resolver gives
// up, and what it finds then is dropped.
Resolved resolveBy(const Place& place, std::chrono::steady_clock::time_point deadline) {
  ErrorCode ec;
  auto address = net::ip::make_address(place.host, ec);
  unsigned port = 0;
  const char* end = place.port.data() + place.port.size();
  auto [stop, wrong] = std::from_chars(place.port.data(), end, port);
  if (wrong != std::errc() || stop != end || port < 1 || port > 65535) return {{}, "not a port: " + place.port};
  if (!ec) return {{tcp::endpoint(address, static_cast<unsigned short>(port))}, ""};
  std::shared_future<Resolved> resolved;
  {
    Lookups& all = lookups();
    std::lock_guard lock(all.mutex);
    std::string key = place.host + ":" + place.port;
    if (auto found = all.underWay.find(key); found != all.underWay.end()) {
      resolved = found->second;
    } else {
      if (all.underWay.size() >= Lookups::kMostLookups)
        return {{}, "cannot resolve " + place.host + ": " + std::to_string(Lookups::kMostLookups) + " lookups are under way"};
      auto answer = std::make_shared<std::promise<Resolved>>();
      resolved = answer->get_future().share();
      try {
        std::thread([answer, key, host = place.host, port = place.port] {
          net::io_context io;
          tcp::resolver resolver(io);
          ErrorCode failed;
          Resolved found;
          for (const auto& entry : resolver.resolve(host, port, failed)) found.endpoints.push_back(entry.endpoint());
          if (failed) found.failure = "cannot resolve " + host + ": " + failed.message();
          {
            std::lock_guard done(lookups().mutex);
            lookups().underWay.erase(key);
          }
          answer->set_value(std::move(found));
        }).detach();
      } catch (const std::system_error& e) {
        return {{}, "cannot resolve " + place.host + ": " + e.what()};
      }
      all.underWay.emplace(key, resolved);
    }
  }
  if (resolved.wait_until(deadline) != std::future_status::ready) return {{}, ""};
  return resolved.get();
}

// The exchange itself, on a stream that is a plain or a TLS connection.
template <class Stream>
void exchangeOn(Stream& stream, const std::vector<tcp::endpoint>& endpoints, const Place& place, const std::string& target,
                const std::string& body, size_t maxBytes, Exchange& out, bool& finished) {
  auto request = std::make_shared<http::request<http::string_body>>(http::verb::post, target, 11);
  bool bracketed = place.host.find(':') != std::string::npos;  // an IPv6 address
  request->set(http::field::host, (bracketed ? "[" + place.host + "]" : place.host) + ":" + place.port);
  request->set(http::field::content_type, "application/json");
  request->body() = body;
  request->prepare_payload();
  auto buffer = std::make_shared<beast::flat_buffer>();
  auto parser = std::make_shared<http::response_parser<http::string_body>>();
  parser->body_limit(maxBytes);
  // Every handler below runs after this function returned: each holds by
  // value what is this function's, and by reference only what post() keeps.
  auto fail = [&out, &finished](const std::string& why) {
    out.failure = why;
    finished = true;
  };
  auto exchange = [&stream, &out, &finished, fail, request, buffer, parser, maxBytes] {
    http::async_write(stream, *request, [&stream, &out, &finished, fail, request, buffer, parser, maxBytes](ErrorCode ec, size_t) {
      if (ec) return fail("cannot send: " + ec.message());
      http::async_read(stream, *buffer, *parser, [&out, &finished, fail, parser, buffer, maxBytes](ErrorCode ec, size_t) {
        if (ec) return fail(ec == http::error::body_limit ? "answered more than " + std::to_string(maxBytes) + " bytes"
                                                          : "no answer: " + ec.message());
        out.status = parser->get().result_int();
        out.body = std::move(parser->get().body());
        finished = true;
      });
    });
  };
  beast::get_lowest_layer(stream).async_connect(endpoints, [&stream, fail, exchange](ErrorCode ec, const tcp::endpoint&) {
    if (ec) return fail("cannot connect");
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      stream.async_handshake(net::ssl::stream_base::client, [fail, exchange](ErrorCode ec) {
        if (ec) return fail("TLS: " + ec.message());
        exchange();
      });
    } else {
      exchange();
    }
  });
}

}  // namespace

Exchange post(const std::string& endpoint, const std::string& path, const std::string& body,
              std::chrono::milliseconds within, size_t maxBytes, const Settings& settings) {
  Exchange out;
  auto place = placeOf(endpoint);
  if (!place) {
    out.failure = "not an http:// or https:// endpoint";
    return out;
  }
  auto deadline = std::chrono::steady_clock::now() + within;
  auto timedOut = [&out, within] {
    out = Exchange{};
    out.timedOut = true;
    out.failure = "no answer within " + std::to_string(within.count()) + " ms";
    return out;
  };
  Resolved resolved = resolveBy(*place, deadline);
  if (resolved.endpoints.empty() && resolved.failure.empty()) return timedOut();
  if (resolved.endpoints.empty()) {
    out.failure = resolved.failure;
    return out;
  }
  net::io_context io;
  bool finished = false;
  std::optional<net::ssl::context> tls;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  if (place->tls) {
    tls.emplace(net::ssl::context::tls_client);
    ErrorCode ec;
    if (settings.ca.empty()) tls->set_default_verify_paths(ec);
    else tls->load_verify_file(settings.ca, ec);
    if (!ec && !settings.cert.empty()) tls->use_certificate_chain_file(settings.cert, ec);
    if (!ec && !settings.key.empty()) tls->use_private_key_file(settings.key, net::ssl::context::pem, ec);
    if (ec) {
      out.failure = "cannot use the TLS files: " + ec.message();
      return out;
    }
    tls->set_verify_mode(net::ssl::verify_peer);
    secure.emplace(io, *tls);
    secure->set_verify_callback(net::ssl::host_name_verification(place->host));
    SSL_set_tlsext_host_name(secure->native_handle(), place->host.c_str());
    exchangeOn(*secure, resolved.endpoints, *place, path, body, maxBytes, out, finished);
  } else {
    plain.emplace(io);
    exchangeOn(*plain, resolved.endpoints, *place, path, body, maxBytes, out, finished);
  }
  // One deadline for all of it; what is left then is cut off.
  io.run_until(deadline);
  if (!finished) {
    ErrorCode ignored;
    if (plain) plain->socket().close(ignored);
    if (secure) beast::get_lowest_layer(*secure).socket().close(ignored);
    io.restart();
    io.run();  // the handlers, each with an error now
    return timedOut();
  }
  return out;
}

}  // namespace vdc::etcd
