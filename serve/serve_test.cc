// vdc serve in process: its configuration and tokens files (every problem at
// its place, no secret shown), a directory as a revision source, and the Web
// API on a loopback port over an embedded datacenter: who may read and act
// on which VDC, problem documents, the audit log, the event stream, and a
// drain that waits for the VDCs.
#include <httplib.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "bundle/reader.h"
#include "engine/hash.h"
#include "engine/test_support.h"
#include "operations/applying.h"
#include "operations/planning.h"
#include "serve/config.h"
#include "serve/directory_source.h"
#include "serve/server.h"
#include "serve/tokens.h"
#include "tests/site_vdc.h"

namespace vdc::serve {

namespace {

namespace fs = std::filesystem;
using testing::errorOf;
using testing::TempDir;


bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(ServeConfig, ReadsVdcsWithPathsBesideTheFile) {
  TempDir dir;
  dir.write("serve.yaml", R"(apiVersion: vdc/v1
kind: ServeConfig
spec:
  listen: 127.0.0.1:9000
  tokens: tokens.yaml
  limits: {maxBodyBytes: 64KiB, requestTimeout: 10s, maxStreams: 4, maxConnections: 32}
  vdcs:
    - name: shop
      directory: shop
      interval: 10s
    - name: prod
      git: {repository: https://git.example/ops.git, branch: live, path: vdc, interval: 5m}
      targetPath: targets/prod.yaml
      heal: true
      atomic: true
)");
  ServeConfig config = readServeConfig(dir.str() + "/serve.yaml");
  EXPECT_EQ(config.host, "127.0.0.1");
  EXPECT_EQ(config.port, 9000);
  EXPECT_EQ(config.tokensFile, dir.str() + "/tokens.yaml");
  EXPECT_EQ(config.maxBodyBytes, 64u << 10);
  EXPECT_EQ(config.maxStreams, 4);
  EXPECT_EQ(config.maxConnections, 32);
  ASSERT_EQ(config.vdcs.size(), 2u);
  EXPECT_EQ(config.vdcs[0].directory, dir.str() + "/shop");
  EXPECT_EQ(config.vdcs[0].interval, std::chrono::seconds(10));
  EXPECT_EQ(config.vdcs[1].repository, "https://git.example/ops.git");
  EXPECT_EQ(config.vdcs[1].interval, std::chrono::minutes(5));
  EXPECT_TRUE(config.vdcs[1].heal);
  EXPECT_TRUE(config.vdcs[1].atomic);
  EXPECT_FALSE(config.vdcs[0].atomic);
  EXPECT_EQ(config.state, fs::absolute(".vdc/serve").string());  // under the working directory, as every .vdc/
  EXPECT_EQ(config.auditLog, config.state + "/audit.jsonl");
}

TEST(ServeConfig, EveryProblemAtItsPlace) {
  TempDir dir;
  dir.write("serve.yaml", R"(apiVersion: vdc/v1
kind: ServeConfig
spec:
  listen: 0.0.0.0:8470
  limits: {maxStream: 4}
  vdcs:
    - name: shop
    - name: shop
      directory: a
      git: {repository: r}
      interval: 5s
)");
  std::string error = errorOf([&] { readServeConfig(dir.str() + "/serve.yaml"); });
  std::string file = dir.str() + "/serve.yaml";
  EXPECT_TRUE(has(error, file + ":4:11: listening on 0.0.0.0, which is not loopback, needs tls and tokens")) << error;
  EXPECT_TRUE(has(error, file + ":5:12: unknown field 'maxStream' in limits (did you mean 'maxStreams'?)")) << error;
  EXPECT_TRUE(has(error, file + ":7:7: a served VDC has either 'directory' or 'git'")) << error;
  EXPECT_TRUE(has(error, file + ":8:7: two served VDCs are named 'shop'")) << error;
  EXPECT_TRUE(has(error, file + ":8:7: a served VDC has either 'directory' or 'git'")) << error;
  EXPECT_TRUE(has(error, file + ":11:17: a git source's interval is git.interval")) << error;
}

TEST(ServeConfig, LoopbackIsAnAddressNotAName) {
  EXPECT_TRUE(isLoopback("127.0.0.1"));
  EXPECT_TRUE(isLoopback("127.1.2.3"));
  EXPECT_TRUE(isLoopback("::1"));
  EXPECT_TRUE(isLoopback("localhost"));
  EXPECT_FALSE(isLoopback("127.example.org"));
  EXPECT_FALSE(isLoopback("0.0.0.0"));
  EXPECT_FALSE(isLoopback("10.0.0.1"));
}

TEST(ServeTokens, AuthenticatesByHashAndNeverShowsOne) {
  TempDir dir;
  NewToken alice = makeToken(), bob = makeToken();
  EXPECT_EQ(alice.token.size(), 64u);
  EXPECT_EQ(alice.sha256, sha256Hex(alice.token));
  EXPECT_NE(alice.token, bob.token);
  dir.write("tokens.yaml", "apiVersion: vdc/v1\nkind: ServeTokens\ntokens:\n"
                           "  - {name: alice, sha256: " + alice.sha256 + ", roles: {\"*\": viewer, shop: operator}}\n"
                           "  - {name: bob, sha256: " + bob.sha256 + ", roles: {prod: viewer}}\n");
  Tokens tokens = Tokens::read(dir.str() + "/tokens.yaml");
  auto who = tokens.authenticate(alice.token);
  ASSERT_TRUE(who);
  EXPECT_EQ(who->name, "alice");
  EXPECT_EQ(who->roleFor("shop"), Role::Operator);
  EXPECT_EQ(who->roleFor("prod"), Role::Viewer);
  EXPECT_EQ(tokens.authenticate(bob.token)->roleFor("shop"), Role::None);
  EXPECT_FALSE(tokens.authenticate(alice.sha256));  // the hash is not the token
  EXPECT_FALSE(tokens.authenticate(""));

  dir.write("bad.yaml", "apiVersion: vdc/v1\nkind: ServeTokens\ntokens:\n"
                        "  - {name: carol, sha256: not-a-hash-but-a-secret, roles: {shop: admin}}\n");
  std::string error = errorOf([&] { Tokens::read(dir.str() + "/bad.yaml"); });
  EXPECT_TRUE(has(error, "bad.yaml:4:27: a token's sha256 must be 64 lowercase hex digits")) << error;
  EXPECT_TRUE(has(error, "bad.yaml:4:66: a role is viewer or operator, not 'admin'")) << error;
  EXPECT_FALSE(has(error, "not-a-hash-but-a-secret")) << error;
}

TEST(DirectorySource, ARevisionIsTheContentAsFetched) {
  TempDir dir, out;
  dir.write("vdc/site.yaml", testing::kSite);
  fs::create_symlink("/etc/passwd", dir.path() / "vdc" / "link.yaml");
  DirectorySource source(dir.str());
  source.fetch();
  std::string first = source.head("any");
  EXPECT_EQ(first.size(), 40u);
  source.fetch();
  EXPECT_EQ(source.head("any"), first);  // the same files: the same revision
  dir.write("vdc/site.yaml", std::string(testing::kSite) + testing::kBackNetwork);
  source.fetch();
  std::string second = source.head("any");
  EXPECT_NE(second, first);
  auto leftOut = source.writeTree(first, ".", (out.path() / "first").string(), ".");
  EXPECT_EQ(leftOut, std::vector<std::string>{"vdc/link.yaml"});
  std::ifstream written(out.path() / "first" / "vdc" / "site.yaml");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(written), {}), testing::kSite);
  EXPECT_FALSE(fs::exists(out.path() / "first" / "vdc" / "link.yaml"));
}

namespace {

// A server on a loopback port over the embedded datacenter, serving VDC
// `site` from a directory and `other` (which the viewer may not see).
class Serving : public ::testing::Test {
 protected:
  void SetUp() override {
    dir.write("site/site.yaml", testing::kSite);
    dir.write("other/vdc.yaml", "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: other}\n");
    viewer = makeToken();
    operatorToken = makeToken();
    stranger = makeToken();
    dir.write("tokens.yaml", "apiVersion: vdc/v1\nkind: ServeTokens\ntokens:\n"
                             "  - {name: vera, sha256: " + viewer.sha256 + ", roles: {site: viewer}}\n"
                             "  - {name: otto, sha256: " + operatorToken.sha256 + ", roles: {\"*\": operator}}\n"
                             "  - {name: sam, sha256: " + stranger.sha256 + ", roles: {other: viewer}}\n");
    dir.write("serve.yaml", "apiVersion: vdc/v1\nkind: ServeConfig\nspec:\n  listen: 127.0.0.1:0\n"
                            "  tokens: tokens.yaml\n  state: state\n  vdcs:\n"
                            "    - {name: site, directory: site}\n    - {name: other, directory: other}\n");
    server = std::make_unique<Server>(readServeConfig(dir.str() + "/serve.yaml"));
    port = server->start();
    thread = std::thread([this] { server->serve(); });
    client = std::make_unique<httplib::Client>("127.0.0.1", port);
    client->set_read_timeout(std::chrono::seconds(30));
  }
  void TearDown() override {
    server->stop();
    if (thread.joinable()) thread.join();
  }

  httplib::Result get(const std::string& path, const NewToken& token) {
    return client->Get(path, {{"Authorization", "Bearer " + token.token}});
  }
  httplib::Result post(const std::string& path, const NewToken& token) {
    return client->Post(path, {{"Authorization", "Bearer " + token.token}}, "", "application/json");
  }
  // Waits until VDC `name` has a revision in force.
  Json waitApplied(const std::string& name) {
    for (int i = 0; i < 300; ++i) {
      auto res = get("/api/v1/vdcs/" + name, operatorToken);
      if (res && res->status == 200) {
        Json body = Json::parse(res->body);
        if (body["status"].is_object() && body["status"].value("appliedRevision", Json()).is_string()) return body;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "VDC " << name << " was never applied";
    return Json();
  }
  std::string auditLog() {
    std::ifstream in(dir.path() / "state" / "audit.jsonl");
    return {std::istreambuf_iterator<char>(in), {}};
  }

  TempDir dir;
  NewToken viewer, operatorToken, stranger;
  std::unique_ptr<Server> server;
  int port = 0;
  std::thread thread;
  std::unique_ptr<httplib::Client> client;
};

}  // namespace

TEST_F(Serving, EachVdcIsAppliedAndShownToWhoMaySeeIt) {
  Json site = waitApplied("site");
  EXPECT_EQ(site["name"], "site");
  EXPECT_EQ(site["source"]["directory"], dir.str() + "/site");
  // A path of the server's: an operator's to read, a viewer sees its name.
  EXPECT_EQ(Json::parse(get("/api/v1/vdcs/site", viewer)->body)["source"]["directory"], "site");

  auto anonymous = client->Get("/api/v1/vdcs");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(anonymous->get_header_value("Content-Type"), "application/problem+json");
  EXPECT_EQ(Json::parse(anonymous->body)["status"], 401);
  EXPECT_EQ(client->Get("/api/v1/vdcs", {{"Authorization", "Bearer " + viewer.sha256}})->status, 401);

  Json listed = Json::parse(get("/api/v1/vdcs", viewer)->body);
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0]["name"], "site");
  EXPECT_EQ(Json::parse(get("/api/v1/vdcs", operatorToken)->body)["items"].size(), 2u);
  EXPECT_EQ(get("/api/v1/vdcs/site", stranger)->status, 404);  // not there, for them
  EXPECT_EQ(get("/api/v1/vdcs/nowhere", operatorToken)->status, 404);

  auto resources = get("/api/v1/vdcs/site/resources", viewer);
  ASSERT_EQ(resources->status, 200) << resources->body;
  Json shown = Json::parse(resources->body);
  EXPECT_EQ(shown["vdc"], "site");
  EXPECT_EQ(shown["resources"].size(), 3u) << shown.dump(2);
  // The record's revision, which the controller wrote, is no change.
  for (const auto& r : shown["resources"]) EXPECT_EQ(r["status"], "in sync") << r.dump();

  auto graph = get("/api/v1/vdcs/site/graph", viewer);
  ASSERT_EQ(graph->status, 200) << graph->body;
  EXPECT_EQ(graph->get_header_value("Content-Type"), "text/vnd.graphviz");
  EXPECT_TRUE(has(graph->body, "\"Instance/web\" -> \"Network/front\";")) << graph->body;
  auto drawn = get("/api/v1/vdcs/site/graph?format=svg", viewer);
  ASSERT_EQ(drawn->status, 200) << drawn->body;
  EXPECT_EQ(drawn->get_header_value("Content-Type"), "image/svg+xml");
  EXPECT_TRUE(has(drawn->body, "<svg")) << drawn->body;
  EXPECT_TRUE(has(drawn->body, "<title>Instance/web&#45;&gt;Network/front</title>")) << drawn->body;
  EXPECT_EQ(get("/api/v1/vdcs/site/graph?format=png", viewer)->status, 400);

  auto plan = get("/api/v1/vdcs/site/plan", viewer);
  ASSERT_EQ(plan->status, 200) << plan->body;
  EXPECT_EQ(Json::parse(plan->body)["summary"]["create"], 0);
}

// What failed is shown to viewers, in the repository's terms: no file of
// the server's (its state directory) is named in the history, the status
// or the events.
TEST_F(Serving, AViewerReadsAFailureWithoutTheServersFiles) {
  waitApplied("other");
  dir.write("other/base.raw", "not the image the manifest expects");
  dir.write("other/vdc.yaml", "apiVersion: vdc/v1\nkind: VirtualDataCenter\nmetadata: {name: other}\n---\n"
                              "apiVersion: vdc/v1\nkind: Image\nmetadata: {name: base}\n"
                              "spec: {source: base.raw, format: raw, sha256: " + std::string(64, '0') + "}\n");
  ASSERT_EQ(post("/api/v1/vdcs/other/sync", operatorToken)->status, 202);
  Json failed;
  for (int i = 0; i < 300 && failed.is_null(); ++i) {
    Json history = Json::parse(get("/api/v1/vdcs/other/history", stranger)->body);
    for (const auto& entry : history["items"])
      if (entry["event"] == "failed") failed = entry;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(failed.is_null()) << "the apply never failed";
  std::string message = failed.value("message", "");
  EXPECT_TRUE(has(message, "image base.raw does not have the sha256 the manifest expects")) << message;
  std::string shown = get("/api/v1/vdcs/other/history", stranger)->body + get("/api/v1/vdcs/other", stranger)->body;
  EXPECT_FALSE(has(shown, dir.str())) << shown;
  EXPECT_FALSE(has(shown, "/state/")) << shown;
}

TEST_F(Serving, OperatorsActAndEveryActionIsAudited) {
  waitApplied("site");
  auto refused = post("/api/v1/vdcs/site/sync", viewer);
  EXPECT_EQ(refused->status, 403);
  EXPECT_TRUE(has(Json::parse(refused->body)["detail"], "token 'vera' is a viewer of VDC 'site': operator is needed"));

  // A change in the directory, taken at once by a sync instead of the interval.
  dir.write("site/back.yaml", std::string(testing::kBackNetwork).substr(4));
  auto accepted = post("/api/v1/vdcs/site/sync", operatorToken);
  ASSERT_EQ(accepted->status, 202) << accepted->body;
  bool applied = false;
  for (int i = 0; i < 300 && !applied; ++i) {
    Json history = Json::parse(get("/api/v1/vdcs/site/history", viewer)->body)["items"];
    for (const auto& entry : history) applied = applied || (entry["event"] == "applied" && entry["trigger"] == "otto");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(applied);

  EXPECT_EQ(client->Post("/api/v1/vdcs/site/sync", "", "application/json")->status, 401);
  EXPECT_EQ(post("/api/v1/vdcs/site/sync", stranger)->status, 404);
  std::string audit = auditLog();
  EXPECT_TRUE(has(audit, R"("action":"sync","result":"unauthorized")")) << audit;
  EXPECT_TRUE(has(audit, R"("action":"sync","result":"not found","time":)")) << audit;
  EXPECT_TRUE(has(audit, R"("token":"sam","vdc":"site")")) << audit;
  EXPECT_TRUE(has(audit, R"("action":"sync","result":"forbidden","time":)")) << audit;
  EXPECT_TRUE(has(audit, R"("token":"vera","vdc":"site")")) << audit;
  EXPECT_TRUE(has(audit, R"("action":"sync","result":"accepted")")) << audit;
  EXPECT_TRUE(has(audit, R"("token":"otto","vdc":"site")")) << audit;
  EXPECT_FALSE(has(audit, operatorToken.token));

  EXPECT_EQ(post("/api/v1/vdcs/site/suspend", operatorToken)->status, 202);
  bool suspended = false;
  for (int i = 0; i < 100 && !suspended; ++i) {
    Json site = Json::parse(get("/api/v1/vdcs/site", viewer)->body);
    for (const auto& c : site["conditions"]) suspended = suspended || (c["type"] == "Suspended" && c["status"] == "True");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(suspended);
  EXPECT_EQ(post("/api/v1/vdcs/site/resume", operatorToken)->status, 202);
}

// Drift made by another writer is planned for an operator, kept under an
// id, and applied by that id once; the same plan again is stale.
TEST_F(Serving, APlanShownIsAppliedByItsIdAndNotOnceStale) {
  waitApplied("site");
  std::string drifted = testing::kSite;
  drifted.replace(drifted.find("cpus: 1"), 7, "cpus: 2");
  dir.write("drifted/site.yaml", drifted);
  operations::PlanRequest request;
  request.directory = (dir.path() / "drifted").string();
  request.target = (dir.path() / "state" / "embedded-target.yaml").string();
  request.lockPurpose = "another writer";
  {
    operations::Prepared other = operations::prepare(request);
    ASSERT_TRUE(operations::execute(other.plan, *other.datacenter, other.live, {}).ok());
  }

  EXPECT_EQ(Json::parse(get("/api/v1/vdcs/site/plan", viewer)->body)["summary"]["update"], 1);
  EXPECT_EQ(post("/api/v1/vdcs/site/plans", viewer)->status, 403);
  auto made = post("/api/v1/vdcs/site/plans", operatorToken);
  ASSERT_EQ(made->status, 201) << made->body;
  Json plan = Json::parse(made->body);
  std::string id = plan["id"];
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(plan["plan"]["summary"]["update"], 1);

  auto applied = post("/api/v1/vdcs/site/plans/" + id + "/apply", operatorToken);
  ASSERT_EQ(applied->status, 200) << applied->body;
  Json report = Json::parse(applied->body);
  EXPECT_TRUE(report["ok"].get<bool>());
  EXPECT_EQ(report["outcomes"], Json::parse(R"([{"address": "Instance/web", "result": "updated"}])"));
  EXPECT_EQ(Json::parse(get("/api/v1/vdcs/site/plan", viewer)->body)["summary"]["update"], 0);

  auto again = post("/api/v1/vdcs/site/plans/" + id + "/apply", operatorToken);
  EXPECT_EQ(again->status, 409);
  EXPECT_EQ(Json::parse(again->body)["title"], "Conflict");
  EXPECT_TRUE(has(Json::parse(again->body)["detail"], "is stale")) << again->body;
  EXPECT_EQ(post("/api/v1/vdcs/site/plans/0123456789abcdef/apply", operatorToken)->status, 404);
  std::string audit = auditLog();
  EXPECT_TRUE(has(audit, R"("action":"plan","message":")" + id + R"(","result":"accepted")")) << audit;
  EXPECT_TRUE(has(audit, R"("action":"apply","message":")" + id + R"(","result":"applied")")) << audit;
  EXPECT_TRUE(has(audit, R"("action":"apply","message":")" + id + R"(","result":"refused")")) << audit;
}

// A revision other than the one in force is planned on request: here the
// one before, which the directory source still holds; it is applied by its
// id like any plan shown.
TEST_F(Serving, AnOperatorPlansAGivenRevision) {
  std::string first = waitApplied("site")["status"]["appliedRevision"];
  dir.write("site/back.yaml", std::string(testing::kBackNetwork).substr(4));
  ASSERT_EQ(post("/api/v1/vdcs/site/sync", operatorToken)->status, 202);
  std::string second;
  for (int i = 0; i < 300 && (second.empty() || second == first); ++i) {
    second = waitApplied("site")["status"]["appliedRevision"];
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_NE(second, first);

  auto postBody = [&](const std::string& body) {
    return client->Post("/api/v1/vdcs/site/plans", {{"Authorization", "Bearer " + operatorToken.token}}, body,
                        "application/json");
  };
  auto made = postBody(Json{{"revision", first}}.dump());
  ASSERT_EQ(made->status, 201) << made->body;
  Json plan = Json::parse(made->body);
  EXPECT_EQ(plan["revision"], first);
  EXPECT_EQ(plan["plan"]["summary"]["delete"], 1) << plan.dump(2);
  std::string id = plan["id"];
  EXPECT_TRUE(fs::is_directory(dir.path() / "state" / "vdcs" / "site" / "planned" / id));

  EXPECT_EQ(postBody(R"({"revision": "0123456789012345678901234567890123456789"})")->status, 404);
  auto notOne = postBody(R"({"revision": "HEAD~1"})");
  EXPECT_EQ(notOne->status, 422);
  EXPECT_TRUE(has(Json::parse(notOne->body)["detail"], "'HEAD~1' is not a revision")) << notOne->body;
  EXPECT_EQ(postBody(R"(["a"])")->status, 400);
  EXPECT_EQ(postBody(R"({"revision": 7})")->status, 400);

  auto applied = post("/api/v1/vdcs/site/plans/" + id + "/apply", operatorToken);
  ASSERT_EQ(applied->status, 200) << applied->body;
  EXPECT_EQ(Json::parse(applied->body)["outcomes"], Json::parse(R"([{"address": "Network/back", "result": "deleted"}])"));
  EXPECT_TRUE(has(auditLog(), R"("action":"plan","message":")" + id + R"(","result":"accepted","revision":")" + first))
      << auditLog();

  // A revision the controller refuses (it declares another VDC) is refused
  // here too, for the same reason, and nothing of it is kept.
  std::string site = testing::kSite;
  dir.write("site/site.yaml", site.replace(site.find("name: site"), 10, "name: other"));
  ASSERT_EQ(post("/api/v1/vdcs/site/sync", operatorToken)->status, 202);
  std::string refused;
  for (int i = 0; i < 300 && refused.empty(); ++i) {
    Json status = Json::parse(get("/api/v1/vdcs/site", operatorToken)->body)["status"];
    if (status.is_object() && status["lastError"].is_object() && status["lastError"].value("stage", "") == "validate")
      refused = status["lastError"]["revision"];
    else std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(refused.empty());
  auto planned = postBody(Json{{"revision", refused}}.dump());
  EXPECT_EQ(planned->status, 422) << planned->body;
  EXPECT_TRUE(has(Json::parse(planned->body)["detail"], "declares VDC 'other', but this source is VDC 'site'"))
      << planned->body;
  EXPECT_TRUE(has(auditLog(), R"("action":"plan","result":"refused","revision":")" + refused)) << auditLog();
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path() / "state" / "vdcs" / "site" / "planned"), {}), 1);
}

// The console's files come from the binary, with headers that keep the
// page to this server and its own script; nothing else is served.
TEST_F(Serving, TheConsoleIsServedFromTheBinary) {
  auto root = client->Get("/");
  ASSERT_TRUE(root);
  EXPECT_EQ(root->status, 302);
  EXPECT_EQ(root->get_header_value("Location"), "/console/");
  auto page = client->Get("/console/");
  ASSERT_EQ(page->status, 200);
  EXPECT_EQ(page->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_TRUE(has(page->body, "<script src=\"console.js\" defer></script>")) << page->body;
  EXPECT_TRUE(has(page->get_header_value("Content-Security-Policy"), "script-src 'self'"));
  EXPECT_EQ(page->get_header_value("X-Content-Type-Options"), "nosniff");
  auto script = client->Get("/console/console.js");
  ASSERT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  Json messages = Json::parse(client->Get("/console/messages.json")->body);
  EXPECT_EQ(messages["ja"]["syncNow"], "今すぐ同期");
  EXPECT_EQ(client->Get("/console/nothing.js")->status, 404);
  EXPECT_EQ(client->Get("/console/..%2Fserve.yaml")->status, 404);
  EXPECT_EQ(client->Get("/console/embed.cmake")->status, 404);
}

TEST_F(Serving, AnOperatorExportsABundleThatVerifies) {
  waitApplied("site");
  EXPECT_EQ(get("/api/v1/vdcs/site/export", viewer)->status, 403);
  auto bundle = get("/api/v1/vdcs/site/export", operatorToken);
  ASSERT_EQ(bundle->status, 200) << bundle->body;
  EXPECT_EQ(bundle->get_header_value("Content-Type"), "application/x-tar");
  EXPECT_EQ(bundle->get_header_value("Content-Disposition"), "attachment; filename=\"site.vdcb\"");
  testing::writeFile(dir.path() / "site.vdcb", bundle->body);
  EXPECT_NO_THROW(bundle::verifyBundle((dir.path() / "site.vdcb").string()));
  // The scratch file went with the download.
  EXPECT_TRUE(fs::is_empty(dir.path() / "state" / "vdcs" / "site" / "exports"));
  EXPECT_TRUE(has(auditLog(), R"("action":"export","result":"accepted")"));
}

TEST_F(Serving, ProgressArrivesAsServerSentEvents) {
  waitApplied("site");
  std::string received;
  std::mutex mutex;
  std::atomic<bool> open = false;
  std::thread listener([&] {
    httplib::Client events("127.0.0.1", port);
    events.set_read_timeout(std::chrono::seconds(30));
    // The server subscribes the stream before it answers with headers.
    events.Get("/api/v1/events", {{"Authorization", "Bearer " + viewer.token}},
               [&](const httplib::Response&) { return open = true; },
               [&](const char* data, size_t size) {
                 std::lock_guard lock(mutex);
                 received.append(data, size);
                 return received.find("event: operation") == std::string::npos ||
                        received.find("event: status") == std::string::npos;
               });
  });
  for (int i = 0; i < 600 && !open; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(open) << "the event stream never opened";
  dir.write("site/back.yaml", std::string(testing::kBackNetwork).substr(4));  // something to apply
  ASSERT_EQ(post("/api/v1/vdcs/site/sync", operatorToken)->status, 202);
  listener.join();
  std::lock_guard lock(mutex);
  EXPECT_TRUE(has(received, "event: status\ndata: {")) << received;
  EXPECT_TRUE(has(received, R"("action":"create","address":"Network/back","phase":"started")")) << received;
  EXPECT_TRUE(has(received, R"("phase":"finished","result":"created")")) << received;
  EXPECT_TRUE(has(received, R"("vdc":"site")")) << received;
  EXPECT_FALSE(has(received, R"("vdc":"other")")) << received;  // the viewer may not see it
}

// A second server on the port of a running one is refused, not let in to
// take part of its connections.
TEST_F(Serving, ASecondServerCannotTakeThePort) {
  TempDir other;
  other.write("site/site.yaml", testing::kSite);
  other.write("serve.yaml", "apiVersion: vdc/v1\nkind: ServeConfig\nspec:\n  listen: 127.0.0.1:" + std::to_string(port) +
                                "\n  state: state\n  vdcs:\n    - {name: site, directory: site}\n");
  Server second(readServeConfig(other.str() + "/serve.yaml"));
  EXPECT_EQ(errorOf([&] { second.start(); }), "cannot listen on 127.0.0.1:" + std::to_string(port) + ": Address already in use");
  EXPECT_EQ(get("/api/v1/health", viewer)->status, 200);
}

// Over TLS with a certificate of its own, and with a bound on event streams.
TEST(ServeTls, AnswersOverTlsAndBoundsItsStreams) {
  TempDir dir;
  std::string make = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout '" + dir.str() +
                     "/key.pem' -out '" + dir.str() + "/cert.pem' 2>/dev/null";
  ASSERT_EQ(std::system(make.c_str()), 0) << make;
  dir.write("site/site.yaml", testing::kSite);
  dir.write("serve.yaml", "apiVersion: vdc/v1\nkind: ServeConfig\nspec:\n  listen: 127.0.0.1:0\n"
                          "  tls: {certificate: cert.pem, key: key.pem}\n  state: state\n"
                          "  limits: {maxStreams: 1}\n  vdcs:\n    - {name: site, directory: site}\n");
  Server server(readServeConfig(dir.str() + "/serve.yaml"));
  int port = server.start();
  std::thread thread([&] { server.serve(); });
  httplib::SSLClient tls("127.0.0.1", port);
  tls.enable_server_certificate_verification(false);  // the test's own certificate
  auto health = tls.Get("/api/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  httplib::Client plain("127.0.0.1", port);
  EXPECT_FALSE(plain.Get("/api/v1/health"));  // no plain HTTP on a TLS port

  // One stream open, held until the server stops; a second is refused.
  std::atomic<bool> opened{false};
  httplib::SSLClient holder("127.0.0.1", port);
  holder.enable_server_certificate_verification(false);
  std::thread held([&] {
    holder.Get("/api/v1/events", [&](const httplib::Response& res) {
      opened = res.status == 200;
      return true;
    }, [&](const char*, size_t) { return opened.load(); });
  });
  for (int i = 0; i < 100 && !opened; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(opened);
  auto second = tls.Get("/api/v1/events");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 503);
  EXPECT_EQ(second->get_header_value("Retry-After"), "30");
  server.stop();
  thread.join();
  held.join();
}

}  // namespace vdc::serve
