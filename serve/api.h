// What every handler of the Web API shares (the configuration, the tokens,
// the VDCs, the audit log, the event bus) and the steps every call takes
// alike: who calls, on which VDC with which role, which revision it is
// about, and how it ends, answered and audited in one place.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "operations/planning.h"
#include "serve/audit.h"
#include "serve/config.h"
#include "serve/events.h"
#include "serve/http_message.h"
#include "serve/problem.h"
#include "serve/tokens.h"
#include "serve/vdc_runner.h"

namespace vdc::serve {

// A revision of a VDC written out: its manifests' directory and its Target
// (a file of the server's, the shared embedded datacenter, or the
// revision's own Target file).
struct RevisionFiles {
  std::string revision;
  std::string root;  // where the revision's tree is written
  std::string directory;
  std::optional<std::string> target;
};

// One call on one VDC. A call that changes something (`action` set) ends
// with one audit line: who, what, on which revision, and how it ended.
struct VdcCall {
  VdcRunner* runner = nullptr;  // none: refused already (401, 403, 404) and, with an action, audited
  Principal who;
  std::string vdc;
  std::string action;               // plan, apply, export, sync, ...; "": a reading call
  std::string revision;             // the revision it is about, once known
  std::string planId;               // a kept plan's id, once known
  std::string root;                 // a revision's tree: a failure names its files as in the repository
  std::string result = "accepted";  // how it ended, when it did not throw
  explicit operator bool() const { return runner != nullptr; }
};

class Api {
 public:
  using Vdcs = std::map<std::string, std::unique_ptr<VdcRunner>>;
  Api(const ServeConfig& config, const Tokens& tokens, AuditLog& audit, EventBus& events, Vdcs& vdcs)
      : config(config), tokens(tokens), audit(audit), events(events), vdcs(vdcs) {}

  // The caller; a 401 problem when the token is missing or wrong.
  std::optional<Principal> principalOf(const Request& req, Response& res) const;
  // The call on the VDC the path names (matches[1]) when the caller's role
  // on it is at least `needed`; otherwise a problem (404 for a VDC it may not
  // see, 403 for too low a role) and, for an action, its audit line.
  VdcCall callOn(const Request& req, Response& res, Role needed, const std::string& action = "");
  // Runs `body` for `call`, then writes its one audit line (for an action).
  // What it throws is answered with its problem (problemOf) and audited as
  // refused or failed; else the call is audited with its result.
  void answer(VdcCall& call, Response& res, const std::function<void()>& body);
  // Ends `call` with a problem of the caller's (a bad body, a plan not
  // kept), audited as `result`.
  void refuse(VdcCall& call, Response& res, int status, const std::string& detail, const std::string& result = "refused");
  // The audit line of `call`, ended as `result`.
  void audited(const VdcCall& call, const std::string& result);

  // The revision in force, as the controller wrote it into its cache (a
  // failure then names its files as in the repository); a 409 problem
  // (refused, "no revision in force") when there is none yet.
  std::optional<RevisionFiles> inForce(VdcCall& call, Response& res);
  // `revision` of the VDC, written under `root`.
  static RevisionFiles revisionAt(const VdcRunner& runner, const std::string& revision, const std::string& root);

  const ServeConfig& config;
  const Tokens& tokens;
  AuditLog& audit;
  EventBus& events;
  Vdcs& vdcs;
};

// The plan of a revision against live state. Its manifests came from a
// repository or a followed directory: host files are confined, as the
// controller's are.
operations::Prepared planOf(const RevisionFiles& found);

// A fresh name for a kept plan or a scratch file: 16 random hex digits.
std::string randomId();

// The token a request bears ("" when none).
std::string bearerOf(const Request& req);

}  // namespace vdc::serve
