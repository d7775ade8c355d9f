// A local directory of manifests as a revision source for the watch
// controller, so that a served VDC kept from a directory runs the same
// reconcile loop as one kept from git. A revision is the directory's content
// as read at a fetch, named by a digest of it (40 hex digits, like a commit
// id): a new edit is a new revision; the same files are the same revision.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "gitops/revision_source.h"

namespace vdc::serve {

class DirectorySource : public gitops::RevisionSource {
 public:
  explicit DirectorySource(std::string directory);

  // Reads every regular file under the directory (links are left out), at
  // most 16 MiB each, 256 MiB and 20,000 entries in all; throws Error when
  // the directory cannot be read or is too large.
  void fetch() override;
  std::string head(const std::string& branch) const override;
  std::vector<std::string> writeTree(const std::string& revision, const std::string& path, const std::string& into,
                                     const std::string& strictPath) override;

 private:
  using Files = std::map<std::string, std::string>;  // relative path -> bytes
  std::string directory_;
  mutable std::mutex mutex_;
  std::string head_;
  std::map<std::string, Files> revisions_;  // the head and the one before: the one in force
  std::vector<std::string> leftOut_;
};

}  // namespace vdc::serve
