// The etcd client against answers no etcd gives: from a server that
// pretends to be one (anyone who can reach the endpoint could), or that is
// dead. Each is an error that says so, or reads as nothing: never a crash,
// never an answer read without bound. (A real cluster: tests/etcd_cluster_test.py.)
#include "providers/etcd/client.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "base/error.h"
#include "engine/test_support.h"

namespace vdc::etcd {
namespace {

class Pretender : public ::testing::Test {
 protected:
  void SetUp() override { port_ = server_.bind_to_any_port("127.0.0.1"); }
  void TearDown() override {
    if (!thread_.joinable()) return;
    server_.stop();
    thread_.join();
  }
  // Every call of /v3/PATH answers `body` with `status`.
  void answer(const std::string& path, std::string body, int status = 200) {
    server_.Post("/v3/" + path, [body, status](const httplib::Request&, httplib::Response& res) {
      res.status = status;
      res.set_content(body, "application/json");
    });
  }
  // The pretender begins to serve with the first client: its handlers,
  // all registered before, are never changed while it serves.
  Client client(std::chrono::milliseconds timeout = std::chrono::seconds(3)) {
    if (!thread_.joinable()) {
      thread_ = std::thread([this] { server_.listen_after_bind(); });
      while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    Settings settings;
    settings.endpoints = {"http://127.0.0.1:" + std::to_string(port_)};
    return Client(settings, timeout);
  }

  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(Pretender, AnswersOfAnotherShapeReadAsNothing) {
  answer("kv/txn", R"({"header": 5, "succeeded": "yes", "responses": {"response_range": 1}})");
  answer("kv/range", R"({"kvs": [{"key": 7, "value": ["x"]}, 3, {"key": "a2V5", "create_revision": "12"}]})");
  Client etcd = client();
  Client::Claim claim = etcd.createIfAbsent("/vdc/locks/shop", "me", 1);
  EXPECT_FALSE(claim.created);
  EXPECT_EQ(claim.now.value, "");
  auto listed = etcd.list("/vdc/");
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].key, "");
  EXPECT_EQ(listed[2].key, "key");
  EXPECT_EQ(listed[2].createRevision, 12);
}

TEST_F(Pretender, NumbersAndBase64ThatAreNotAreErrors) {
  answer("lease/grant", R"({"ID": "12abc", "TTL": "5"})");
  answer("kv/range", R"({"kvs": [{"key": "not base64!"}]})");
  Client etcd = client();
  EXPECT_THROW(etcd.grantLease(std::chrono::seconds(5)), Error);
  EXPECT_THROW(etcd.list("/vdc/"), Error);
}

TEST_F(Pretender, AnErrorOrAnOversizedAnswerIsNoAnswer) {
  answer("lease/keepalive", R"({"error": "etcdserver: no leader", "code": 14, "message": "no leader\u001b[31m"})", 503);
  answer("lease/grant", "{\"ID\": \"" + std::string(5 << 20, '1') + "\"}");
  Client etcd = client();
  try {
    etcd.keepAlive(1, std::chrono::seconds(1));
    FAIL() << "an error was taken for an answer";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("could serve lease/keepalive"), std::string::npos) << what;
    EXPECT_NE(what.find("HTTP 503: no leader\\x1B[31m"), std::string::npos) << what;
  }
  EXPECT_THROW(etcd.grantLease(std::chrono::seconds(5)), Error);
}

TEST_F(Pretender, ASilentMemberIsWaitedForOnlySoLong) {
  server_.Post("/v3/lease/keepalive", [](const httplib::Request&, httplib::Response& res) {
    std::this_thread::sleep_for(std::chrono::seconds(4));
    res.set_content("{}", "application/json");
  });
  Client etcd = client();
  auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(etcd.keepAlive(1, std::chrono::milliseconds(300)), Error);
  // Given up on long before the member would have answered.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
}

// Each read is answered within the timeout, but the answer never ends: the
// call as a whole is cut off, so no renewal or release waits past it.
TEST_F(Pretender, AMemberThatTricklesBytesIsHeldToTheWholeCallsTime) {
  server_.Post("/v3/lease/keepalive", [](const httplib::Request&, httplib::Response& res) {
    res.set_chunked_content_provider("application/json", [](size_t, httplib::DataSink& sink) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return sink.is_writable() && sink.write(" ", 1);
    });
  });
  Client etcd = client(std::chrono::milliseconds(800));
  auto start = std::chrono::steady_clock::now();
  try {
    etcd.keepAlive(1, std::chrono::milliseconds(800));
    FAIL() << "a trickle was taken for an answer";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no answer within 800 ms (the whole answer)"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(2500));
}

// The deadline holds from the connection on: a member that stalls the TLS
// handshake, a byte at a time, is cut off as one that stalls its answer.
TEST(StallingMember, ATlsHandshakeThatTricklesIsCutOffAtTheDeadline) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  std::atomic<bool> done{false};
  std::thread member([&] {
    int connection = ::accept(listener, nullptr, nullptr);
    // A TLS record header, then a byte each 100 ms: never a whole ServerHello.
    const char hello[] = "\x16\x03\x03\x40\x00";
    for (size_t i = 0; !done && connection >= 0; ++i) {
      if (::send(connection, hello + (i % 5), 1, MSG_NOSIGNAL) != 1) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (connection >= 0) ::close(connection);
  });
  Settings settings;
  settings.endpoints = {"https://127.0.0.1:" + std::to_string(ntohs(address.sin_port))};
  Client etcd(settings, std::chrono::milliseconds(800));
  auto start = std::chrono::steady_clock::now();
  std::string error = testing::errorOf([&] { etcd.keepAlive(1, std::chrono::milliseconds(800)); });
  auto took = std::chrono::steady_clock::now() - start;
  done = true;
  member.join();
  ::close(listener);
  EXPECT_NE(error.find("no answer within 800 ms (the whole answer)"), std::string::npos) << error;
  EXPECT_LT(took, std::chrono::milliseconds(2500));
}

TEST_F(Pretender, RevisionsAndLeaseIdsMustBePositive) {
  answer("lease/grant", R"({"ID": "-5", "TTL": "5"})");
  answer("kv/range", R"({"kvs": [{"key": "a2V5", "create_revision": "-1"}]})");
  answer("lease/revoke", "{}");
  // One handler, reading the header of the case at hand.
  std::mutex mutex;
  std::string header;
  server_.Post("/v3/kv/txn", [&](const httplib::Request&, httplib::Response& res) {
    std::lock_guard lock(mutex);
    res.set_content(R"({"succeeded": true, "header": )" + header + "}", "application/json");
  });
  Client etcd = client();
  EXPECT_NE(testing::errorOf([&] { etcd.grantLease(std::chrono::seconds(5)); }).find("granted no lease"), std::string::npos);
  EXPECT_NE(testing::errorOf([&] { etcd.list("/vdc/"); }).find("negative create_revision"), std::string::npos);
  for (const char* each : {R"({})", R"({"revision": "0"})", R"({"revision": "-3"})",
                           R"({"revision": "99999999999999999999"})"}) {
    {
      std::lock_guard lock(mutex);
      header = each;
    }
    std::string error = testing::errorOf([&] { etcd.createIfAbsent("/vdc/locks/shop", "me", 7); });
    EXPECT_NE(error, "") << each;
    EXPECT_TRUE(error.find("no fencing token") != std::string::npos || error.find("revision") != std::string::npos)
        << each << ": " << error;
    // Refused for its own reason, not because another case's answer came.
    if (std::string(each).find("9999") != std::string::npos) EXPECT_NE(error.find("no number"), std::string::npos) << error;
    else if (std::string(each).find("-3") != std::string::npos) EXPECT_NE(error.find("negative revision"), std::string::npos) << error;
    else EXPECT_NE(error.find("no fencing token"), std::string::npos) << error;
  }
}

TEST_F(Pretender, AMemberThatAnswersForAnotherClusterIsNotTaken) {
  std::atomic<int> calls{0};
  server_.Post("/v3/kv/range", [&calls](const httplib::Request&, httplib::Response& res) {
    int call = calls++;
    if (call == 2) return res.set_content(R"({"kvs": []})", "application/json");  // no header at all
    std::string cluster = call == 0 ? "111" : "222";
    res.set_content(R"({"header": {"cluster_id": ")" + cluster + R"("}, "kvs": []})", "application/json");
  });
  Client etcd = client();
  etcd.list("/vdc/");
  EXPECT_EQ(etcd.clusterId(), "111");
  std::string error = testing::errorOf([&] { etcd.list("/vdc/"); });
  EXPECT_NE(error.find("answered for cluster 222, not 111"), std::string::npos) << error;
  error = testing::errorOf([&] { etcd.list("/vdc/"); });
  EXPECT_NE(error.find("answered for cluster (none), not 111"), std::string::npos) << error;
  EXPECT_EQ(etcd.clusterId(), "111");
}

}  // namespace
}  // namespace vdc::etcd
