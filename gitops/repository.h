// A git repository vdc follows (`vdc watch`, issue: GitOps): a bare cache
// of a remote, fetched on demand, from which a revision's VDC directory is
// written out of the git tree itself, never from a work tree that may be
// changing. libgit2 handles are held by unique_ptr and freed with them.
//
// The cache repairs itself: a fetch or a read that fails is tried once more
// on a fresh cache made beside it, which replaces the old one only when it
// works. So a damaged cache costs one clone, and an unreachable remote
// leaves the cache (and the revisions it holds) as it was.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "gitops/credentials.h"
#include "gitops/revision_source.h"

struct git_repository;  // libgit2's: its headers stay in repository.cc (gitops/git_handles.h)

namespace vdc::gitops {

// What one revision's tree may hold; a tree beyond them is refused before
// the blob that crosses them is read (docs/robustness.md).
struct TreeLimits {
  uint64_t fileBytes = 16ull << 20;    // one file
  uint64_t totalBytes = 256ull << 20;  // all files together
  size_t entries = 20000;              // files and directories
  int depth = 32;                      // directories within directories
};

// A commit whose tree cannot be written safely: entry names that are not
// plain file names (".", "..", "/", "\\", ".git" in any case, control bytes,
// longer than a file system takes), links or submodules inside the VDC
// directory, a tree beyond TreeLimits. The commit's fault, not the cache's:
// it is reported invalid and never applied. The message lists every problem.
struct UnsafeTree : Error {
  using Error::Error;
};

// Whether `text` is a full commit id (40 lowercase hex digits).
bool isCommitId(std::string_view text);

// Why a tree entry's name is not a plain file name ("" when it is one).
std::string unsafeEntryName(std::string_view name);

// The commit at HEAD of the git work tree `directory` is in: what a plan
// for review was made from. "" when it is in none, or HEAD has no commit.
std::string workTreeHead(const std::string& directory);

class Repository : public RevisionSource {
 public:
  // Opens the cache at `cache`, or makes it (a bare repository with the
  // remote `origin` at `url`: any URL libgit2 takes, a path or file:// in
  // tests, https:// and ssh:// in use, signed in to with `credentials`).
  // A directory there that is not a repository is vdc's own, damaged: it
  // is made anew.
  Repository(const std::string& url, const std::string& cache, Credentials credentials = {});
  ~Repository() override;
  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;

  // Fetches every branch, forced: a branch rewritten on the remote is
  // followed (refs/remotes/origin/*). Throws Error when the remote cannot be reached.
  void fetch() override;
  // The commit id `branch` is at, as last fetched.
  std::string head(const std::string& branch) const override;
  // Writes the files under `path` of commit `commit` into `into` (made
  // fresh); throws Error when the commit has no such directory, or when
  // the commit cannot be read even from a fresh cache, and UnsafeTree (with
  // `into` untouched) when its tree is refused. Links and submodules
  // are refused under `strictPath` (relative to `path`: the VDC directory)
  // and left out elsewhere; what was left out is returned, as paths in the
  // repository.
  std::vector<std::string> writeTree(const std::string& commit, const std::string& path, const std::string& into,
                                     const std::string& strictPath = ".") override;

  void setLimits(const TreeLimits& limits) { limits_ = limits; }

 private:
  struct Cache;  // the bare repository open in cache_
  git_repository* git() const;
  std::vector<std::string> writeTreeOnce(const std::string& commit, const std::string& path, const std::string& into,
                                         const std::string& strictPath) const;
  // Fetches into a new cache beside the old one and, if that works, puts it
  // in the old one's place; throws (keeping the old cache) if it does not.
  void remake();

  std::string url_, cache_;
  Credentials credentials_;
  TreeLimits limits_;
  std::unique_ptr<Cache> repo_;
};

}  // namespace vdc::gitops
