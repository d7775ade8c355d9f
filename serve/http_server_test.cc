// The HTTP server under vdc serve, on its own, spoken to in raw bytes over
// loopback: its stop drains (an answer in flight is written, an idle
// connection ends at once, a stream's `done` runs however it ends), HEAD
// and 405, HTTP/1.0 streams, a check that throws, downloads beside busy
// event streams, and refusals named by their decoded path.
#include "serve/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <boost/asio.hpp>

namespace vdc::serve {

namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

// A server on a loopback port, served from a thread of its own.
class Serving {
 public:
  explicit Serving(HttpServer::Settings settings = {}) : server(settings) {}
  ~Serving() { stop(); }

  void start() {
    port = server.bind();
    thread = std::thread([this] { server.run(); });
  }
  void stop() {
    server.stop();
    if (thread.joinable()) thread.join();
  }

  HttpServer server;
  int port = 0;
  std::thread thread;
};

// One connection, written to and read from in raw bytes, each read within 10 s.
class Client {
 public:
  explicit Client(int port) : socket_(io_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)));
  }

  void send(const std::string& bytes) { net::write(socket_, net::buffer(bytes)); }

  // Everything until the peer closes (or 10 s pass).
  std::string readAll() {
    std::string text;
    while (auto piece = readSome()) text += *piece;
    return text;
  }

  // One answer of known length: its head, and as many body bytes as Content-Length says.
  std::string readAnswer() {
    std::string text;
    while (text.find("\r\n\r\n") == std::string::npos) {
      auto piece = readSome();
      if (!piece) return text;
      text += *piece;
    }
    size_t headEnd = text.find("\r\n\r\n") + 4;
    size_t length = 0;
    if (size_t at = text.find("Content-Length: "); at != std::string::npos && at < headEnd)
      length = std::stoul(text.substr(at + 16));
    bool head = text.starts_with("HTTP/1.1 200") && expectHeadOnly;
    while (!head && text.size() < headEnd + length) {
      auto piece = readSome();
      if (!piece) break;
      text += *piece;
    }
    return text;
  }

  // None once the peer closed the connection or 10 s passed.
  std::optional<std::string> readSome() {
    std::string buffer(4096, '\0');
    std::optional<size_t> got;
    socket_.async_read_some(net::buffer(buffer), [&](boost::system::error_code ec, size_t n) {
      if (!ec) got = n;
      if (ec == net::error::eof || ec == net::error::connection_reset) closed_ = true;
    });
    io_.restart();
    io_.run_for(10s);
    if (!io_.stopped()) {
      socket_.cancel();
      io_.restart();
      io_.run();
      return std::nullopt;
    }
    if (!got) return std::nullopt;
    buffer.resize(*got);
    return buffer;
  }

  // Whether the peer closed the connection (not a read that timed out).
  bool closed() const { return closed_; }

  bool expectHeadOnly = false;

 private:
  bool closed_ = false;
  net::io_context io_;
  tcp::socket socket_;
};

std::string get(const std::string& path, const std::string& extra = "") {
  return "GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n";
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(HttpServer, AnAnswerInFlightAtTheStopIsWrittenAndTheStopWaitsForIt) {
  std::promise<void> entered, release;
  auto released = release.get_future().share();
  Serving serving;
  serving.server.route("GET", "/slow", [&](const Request&, Response& res) {
    entered.set_value();
    released.wait();
    res.setContent("finished", "text/plain");
  });
  serving.start();
  Client client(serving.port);
  client.send(get("/slow"));
  entered.get_future().wait();

  auto stopped = std::async(std::launch::async, [&] { serving.stop(); });
  EXPECT_EQ(stopped.wait_for(300ms), std::future_status::timeout) << "the stop waits for the handler";
  release.set_value();
  std::string answer = client.readAll();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
  EXPECT_TRUE(has(answer, "Connection: close")) << answer;
  EXPECT_TRUE(answer.ends_with("finished")) << answer;
  EXPECT_EQ(stopped.wait_for(5s), std::future_status::ready);
}

TEST(HttpServer, AtTheStopAnIdleConnectionEndsAndARequestUnderWayGetsItsGrace) {
  HttpServer::Settings settings;
  settings.requestTimeout = 60s;
  settings.stopGrace = 1500ms;
  Serving serving(settings);
  serving.server.route("GET", "/", [](const Request&, Response& res) { res.setContent("hello", "text/plain"); });
  serving.start();
  Client idle(serving.port), silent(serving.port), slow(serving.port);
  idle.send(get("/"));
  EXPECT_TRUE(idle.readAnswer().ends_with("hello"));
  silent.send("GET / HTTP/1.1\r\n");  // a request begun, never finished
  slow.send("GET / HTTP/1.1\r\n");    // one finished during the grace: told to come back
  std::this_thread::sleep_for(300ms);  // (read by the server by then)

  auto began = std::chrono::steady_clock::now();
  auto stopped = std::async(std::launch::async, [&] { serving.stop(); });
  EXPECT_EQ(idle.readAll(), "") << "closed at once with nothing more said";
  EXPECT_TRUE(idle.closed());
  EXPECT_LT(std::chrono::steady_clock::now() - began, 1s);
  slow.send("Host: localhost\r\n\r\n");
  std::string answer = slow.readAll();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 503")) << answer;
  EXPECT_TRUE(has(answer, "Retry-After: 5")) << answer;
  EXPECT_TRUE(has(answer, "Connection: close")) << answer;
  EXPECT_EQ(silent.readAll(), "");
  EXPECT_TRUE(silent.closed());
  EXPECT_EQ(stopped.wait_for(5s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - began, 5s) << "the grace, not the request's deadline";
}

TEST(HttpServer, AStreamsEndIsToldHoweverItEnds) {
  std::atomic<int> ended{0};
  std::atomic<bool> neverEnds{true};
  Serving serving;
  serving.server.route("GET", "/events", [&](const Request&, Response& res) {
    res.stream = Response::Stream{[&]() -> std::optional<std::string> {
                                    std::this_thread::sleep_for(20ms);
                                    if (neverEnds) return std::string("tick\n");
                                    return std::nullopt;
                                  },
                                  std::nullopt, [&] { ++ended; }};
  });
  serving.start();
  {  // HEAD: the head only, so no piece is ever asked for
    Client client(serving.port);
    client.send("HEAD /events HTTP/1.1\r\nHost: localhost\r\n\r\n");
    std::string answer = client.readAll();
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
    EXPECT_TRUE(answer.ends_with("\r\n\r\n")) << answer;
  }
  for (int i = 0; i < 100 && ended < 1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(ended, 1) << "HEAD";

  Client streaming(serving.port);
  streaming.send(get("/events"));
  EXPECT_TRUE(has(*streaming.readSome(), "HTTP/1.1 200"));
  serving.stop();  // while the stream is open
  EXPECT_EQ(ended, 2) << "the stop";
}

TEST(HttpServer, HeadIsGetWithoutItsBodyAndTheConnectionGoesOn) {
  Serving serving;
  serving.server.route("GET", "/page", [](const Request&, Response& res) { res.setContent("0123456789", "text/plain"); });
  serving.start();
  Client client(serving.port);
  client.expectHeadOnly = true;
  client.send("HEAD /page HTTP/1.1\r\nHost: localhost\r\n\r\n");
  std::string head = client.readAnswer();
  EXPECT_TRUE(head.starts_with("HTTP/1.1 200")) << head;
  EXPECT_TRUE(has(head, "Content-Length: 10")) << head;
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << "no body: " << head;
  client.expectHeadOnly = false;
  client.send(get("/page"));
  std::string page = client.readAnswer();
  EXPECT_TRUE(page.starts_with("HTTP/1.1 200")) << "the next answer on the same connection: " << page;
  EXPECT_TRUE(page.ends_with("\r\n\r\n0123456789")) << page;
}

TEST(HttpServer, AMethodNotAllowedSaysWhichAre) {
  Serving serving;
  serving.server.route("GET", "/thing", [](const Request&, Response&) {});
  serving.server.route("DELETE", "/thing", [](const Request&, Response&) {});
  serving.start();
  Client client(serving.port);
  client.send("POST /thing HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n");
  std::string answer = client.readAnswer();
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 405")) << answer;
  EXPECT_TRUE(has(answer, "Allow: DELETE, GET, HEAD")) << answer;
}

TEST(HttpServer, AnHttp10ClientGetsAStreamAsItIsEndedByTheClose) {
  Serving serving;
  serving.server.route("GET", "/events", [](const Request&, Response& res) {
    auto left = std::make_shared<int>(3);
    res.stream = Response::Stream{[left]() -> std::optional<std::string> {
                                    if ((*left)-- == 0) return std::nullopt;
                                    return std::string("data: x\n\n");
                                  },
                                  std::nullopt, nullptr};
  });
  serving.start();
  Client client(serving.port);
  client.send("GET /events HTTP/1.0\r\n\r\n");
  std::string answer = client.readAll();
  EXPECT_TRUE(answer.starts_with("HTTP/1.0 200")) << answer;
  EXPECT_FALSE(has(answer, "chunked")) << answer;
  EXPECT_TRUE(answer.ends_with("\r\n\r\ndata: x\n\ndata: x\n\ndata: x\n\n")) << answer;
}

TEST(HttpServer, ACheckThatThrowsIsA500AndTheServerGoesOn) {
  Serving serving;
  serving.server.route("GET", "/", [](const Request&, Response& res) { res.setContent("fine", "text/plain"); });
  serving.server.before([](const Request& req, Response&) {
    if (req.param("fail") == "1") throw std::runtime_error("the audit log cannot be written");
  });
  serving.start();
  for (const char* path : {"/?fail=1", "/nowhere?fail=1"}) {
    Client client(serving.port);
    client.send(get(path));
    std::string answer = client.readAnswer();
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 500")) << path << ": " << answer;
    EXPECT_FALSE(has(answer, "audit")) << "no exception's text: " << answer;
  }
  Client client(serving.port);
  client.send(get("/"));
  EXPECT_TRUE(client.readAnswer().ends_with("fine"));
}

TEST(HttpServer, ADownloadDoesNotWaitForOpenEventStreams) {
  HttpServer::Settings settings;
  settings.streamWorkers = 1;
  std::atomic<bool> stopping{false};
  Serving serving(settings);
  serving.server.route("GET", "/events", [&](const Request&, Response& res) {
    res.stream = Response::Stream{[&]() -> std::optional<std::string> {
                                    std::this_thread::sleep_for(20ms);
                                    if (stopping) return std::nullopt;
                                    return std::string(": keepalive\n\n");
                                  },
                                  std::nullopt, nullptr};
  });
  serving.server.route("GET", "/download", [](const Request&, Response& res) {
    auto sent = std::make_shared<bool>(false);
    res.stream = Response::Stream{[sent]() -> std::optional<std::string> {
                                    if (*sent) return std::nullopt;
                                    *sent = true;
                                    return std::string("bundle");
                                  },
                                  6, nullptr};
  });
  serving.start();
  Client events(serving.port);
  events.send(get("/events"));
  ASSERT_TRUE(has(*events.readSome(), "HTTP/1.1 200"));  // holds the one stream worker
  Client download(serving.port);
  download.send(get("/download"));
  std::string answer = download.readAll();
  EXPECT_TRUE(answer.ends_with("\r\n\r\nbundle")) << answer;
  stopping = true;
}

TEST(HttpServer, ARefusalIsToldTheDecodedPath) {
  HttpServer::Settings settings;
  settings.maxBodyBytes = 10;
  std::promise<std::string> refused;
  Serving serving(settings);
  serving.server.onRefusal([&](const std::string& method, const std::string& path, int status) {
    refused.set_value(method + " " + path + " " + std::to_string(status));
  });
  serving.start();
  Client client(serving.port);
  client.send("POST /api/v1/vdcs/shop/%73ync HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n" +
              std::string(100, 'x'));
  EXPECT_TRUE(client.readAnswer().starts_with("HTTP/1.1 413"));
  auto told = refused.get_future();
  ASSERT_EQ(told.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(told.get(), "POST /api/v1/vdcs/shop/sync 413");
}

}  // namespace vdc::serve
