// Where a watch gets the revisions it applies: a git repository
// (gitops/repository.h) in use, anything that gives commits and their trees
// in tests. A revision never changes once made.
#pragma once

#include <string>
#include <vector>

namespace vdc::gitops {

class RevisionSource {
 public:
  virtual ~RevisionSource() = default;
  // Brings the branches up to date; throws Error when the source cannot be reached.
  virtual void fetch() = 0;
  // The revision `branch` is at, as last fetched.
  virtual std::string head(const std::string& branch) const = 0;
  // Writes the files under `path` of `revision` into `into` (made fresh);
  // throws UnsafeTree, with `into` untouched, for a tree that may not be
  // written, and Error when it cannot be read. Links and submodules are
  // refused under `strictPath` and left out elsewhere: what was left out is
  // returned.
  virtual std::vector<std::string> writeTree(const std::string& revision, const std::string& path,
                                             const std::string& into, const std::string& strictPath = ".") = 0;
};

}  // namespace vdc::gitops
