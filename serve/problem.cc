#include "serve/problem.h"

#include <spdlog/spdlog.h>

#include "operations/failure.h"
#include "operations/revision_rules.h"

namespace vdc::serve {

const char* titleOf(int status) {
  switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Content";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    default: return "Internal Server Error";
  }
}

void problem(Response& res, int status, const std::string& detail) {
  Json body = {{"type", "about:blank"}, {"title", titleOf(status)}, {"status", status}, {"detail", detail}};
  res.status = status;
  res.setContent(body.dump(), "application/problem+json");
}

void reply(Response& res, const Json& body, int status) {
  res.status = status;
  res.setContent(body.dump(), "application/json");
}

namespace {

int statusOf(operations::FailureKind kind) {
  switch (kind) {
    case operations::FailureKind::Invalid: return 422;
    case operations::FailureKind::Locked: return 409;
    case operations::FailureKind::Stale: return 409;
    case operations::FailureKind::Refused: return 422;
  }
  return 500;
}

}  // namespace

Problem problemOf(const std::exception& failure, const std::string& root) {
  if (const auto* refused = dynamic_cast<const operations::Failure*>(&failure)) {
    std::string text = refused->problems().empty() ? "" : refused->problems().str();
    text += refused->what();
    return {statusOf(refused->kind()), root.empty() ? text : operations::inRepositoryTerms(text, root), "refused"};
  }
  spdlog::error("{}", failure.what());
  const auto* error = dynamic_cast<const Error*>(&failure);
  bool transient = error && error->transient();
  return {transient ? 503 : 500, "the server could not answer; its log says why", "failed"};
}

}  // namespace vdc::serve
