#include "operations/revision_rules.h"

#include <filesystem>

#include "engine/loader.h"
#include "base/text.h"
#include "engine/units.h"
#include "providers/targets/repository_target.h"

namespace vdc::operations {

namespace fs = std::filesystem;

std::vector<std::string> ruleProblems(const RevisionRules& rules) {
  std::vector<std::string> problems = allowListProblems(rules.allowedHosts);
  if (!rules.vdc.empty() && !isDnsLabel(rules.vdc))
    problems.push_back("'" + printable(rules.vdc) + "' is not a VDC name (a DNS label)");
  return problems;
}

std::optional<CheckedRevision> checkRevision(const std::string& root, const std::string& revision,
                                             const RevisionRules& rules, std::string& problems) {
  CheckedRevision checked;
  Diagnostics diags;
  fs::path directory = fs::path(root) / rules.path;
  if (fs::is_directory(directory)) checked.vdc = loadVdc(directory.string(), diags);
  else diags.add({}, "commit " + revision + " has no directory " + rules.path);
  if (diags.empty() && !rules.vdc.empty() && checked.vdc.name != rules.vdc)
    diags.add({}, "commit " + revision + " declares VDC '" + printable(checked.vdc.name) + "', but this source is VDC '" +
                      rules.vdc + "': a source acts on its own VDC only (another VDC is another source)");
  if (!rules.targetPath.empty()) {
    checked.target = (fs::path(root) / rules.targetPath).string();
    try {
      if (!fs::is_regular_file(*checked.target))
        throw Error("commit " + revision + " has no Target file " + rules.targetPath);
      for (const auto& problem :
           repositoryTargetProblems(readTarget(*checked.target), root, HostAllowList(rules.allowedHosts)))
        diags.add({*checked.target}, problem);
    } catch (const Error& e) {
      diags.add({}, e.what());
    }
  }
  if (diags.empty()) return checked;
  problems = inRepositoryTerms(diags.str(), root);
  return std::nullopt;
}

std::string inRepositoryTerms(std::string text, const std::string& root) {
  std::error_code ec;
  for (const std::string& prefix : {fs::absolute(root, ec).lexically_normal().string() + "/", root + "/",
                                    fs::relative(root, ec).string() + "/"})
    if (prefix.size() > 2)
      for (size_t at; (at = text.find(prefix)) != std::string::npos;) text.replace(at, prefix.size(), "");
  return text;
}

}  // namespace vdc::operations
