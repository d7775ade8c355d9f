// vdc serve: the VDCs of a configuration file, each kept by its controller,
// and the Web API over them (serve/server.h, docs/serve.md). SIGTERM and
// SIGINT drain: no new request is taken, each VDC's apply in flight ends,
// then the process exits. `--new-token` prints a fresh token and the line
// the tokens file keeps of it (its SHA-256); `--check` reads the
// configuration and its tokens; both then exit.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "cli/report.h"
#include "engine/stop_request.h"
#include "serve/server.h"

namespace vdc::cli {

namespace {

std::atomic<bool> stopRequested{false};

// The applies in flight finish their short steps; a copy of a disk stops (engine/stop_request.h).
void stopServing(int) {
  stopRequested = true;
  stopRequest() = true;
}

int serve(const std::string& configFile, bool newToken, bool check) {
  if (newToken) {
    serve::NewToken token = serve::makeToken();
    std::cout << "token:  " << token.token << "\n"
              << "sha256: " << token.sha256 << "   (the tokens file keeps this line, never the token)\n";
    return 0;
  }
  if (configFile.empty()) {
    reportError("vdc serve needs --config FILE (docs/serve.md)");
    return 1;
  }
  serve::ServeConfig config = serve::readServeConfig(configFile);
  if (check) {
    if (!config.tokensFile.empty()) serve::Tokens::read(config.tokensFile);
    std::cout << configFile << ": " << config.vdcs.size() << " VDCs, listening on " << config.host << ":"
              << config.port << (config.tls() ? " with TLS" : "") << (config.tokensFile.empty() ? "" : ", tokens") << "\n";
    return 0;
  }
  serve::Server server(std::move(config));
  if (spdlog::get_level() > spdlog::level::info) spdlog::set_level(spdlog::level::info);
  struct sigaction action {};
  action.sa_handler = stopServing;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  signal(SIGPIPE, SIG_IGN);
  server.start();
  std::thread http([&] { server.serve(); });
  while (!stopRequested) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  spdlog::info("stopping: waiting for the applies in flight");
  server.stop();
  http.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

Command serveCommand(CLI::App& app) {
  auto configFile = std::make_shared<std::string>();
  auto newToken = std::make_shared<bool>(false), check = std::make_shared<bool>(false);
  auto* command = app.add_subcommand("serve", "Serve many VDCs: a controller each, and the Web API");
  command->add_option("--config", *configFile, "The server's configuration (docs/serve.md)");
  command->add_flag("--new-token", *newToken, "Print a new bearer token and its SHA-256 for the tokens file");
  command->add_flag("--check", *check, "Read the configuration and its tokens, report, and exit");
  return {command, [configFile, newToken, check] { return serve(*configFile, *newToken, *check); }};
}

}  // namespace vdc::cli
