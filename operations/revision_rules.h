// The rules every revision of a followed VDC meets before anything of it is
// planned or applied, whoever asks: the controller (vdc watch, a served
// VDC) or the server's plan of a revision. One set of rules, so that the
// API never plans a revision the controller would refuse.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "engine/model.h"

namespace vdc::operations {

struct RevisionRules {
  std::string path = ".";   // the VDC's directory in the repository
  std::string targetPath;   // its Target, a file in the repository; "" when the operator gives it
  // The VDC the source is bound to: a revision that declares another is
  // refused, so a commit never acts on another VDC's objects. "": any.
  std::string vdc;
  std::vector<std::string> allowedHosts;  // the hosts a Target from the repository may name
};

struct CheckedRevision {
  Vdc vdc;
  std::optional<std::string> target;  // the revision's Target file, with targetPath
};

// What is wrong with the rules themselves (an operator's typo in an
// allowed host, a VDC name that is none), one line each.
std::vector<std::string> ruleProblems(const RevisionRules& rules);

// The revision whose tree is written under `root`, loaded and checked; none,
// with every problem in `problems` (files named by their place in the
// repository), when it breaks a rule.
std::optional<CheckedRevision> checkRevision(const std::string& root, const std::string& revision,
                                             const RevisionRules& rules, std::string& problems);

// `text` (an error, a problem) with the files of the revision written under
// `root` named by their place in the repository, not where it was written.
std::string inRepositoryTerms(std::string text, const std::string& root);

}  // namespace vdc::operations
