// Errors as RFC 9457 problem documents, and what an operation's failure
// is in HTTP: one table of titles by status and one mapping from what an
// operation throws to its status, so every route answers alike
// (docs/serve.md, "Errors").
#pragma once

#include <exception>
#include <string>

#include "engine/model.h"
#include "serve/http_message.h"

namespace vdc::serve {

// The reason phrase of `status` (RFC 9110): "Conflict" for 409, everywhere.
const char* titleOf(int status);

// An error as a problem document, titled by its status.
void problem(Response& res, int status, const std::string& detail);
void reply(Response& res, const Json& body, int status = 200);

struct Problem {
  int status;
  std::string detail;
  std::string result;  // for the audit line: "refused" (the caller's input or the target's state) or "failed"
};

// What an exception thrown by an operation is in HTTP. A Failure is the
// caller's: its kind gives the status (Invalid and Refused 422, Locked and
// Stale 409) and its text the detail, with a revision's files named as in
// the repository (`root`: where the revision's tree is written). Anything
// else is the server's: a transient Error 503, the rest 500, told as "its
// log says why" (the log has the exception, which may name the server's
// files).
Problem problemOf(const std::exception& failure, const std::string& root = "");

}  // namespace vdc::serve
