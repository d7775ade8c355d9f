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

#include <memory>
#include <string>

#include "gitops/credentials.h"

struct git_repository;

namespace vdc::gitops {

class Repository {
 public:
  // Opens the cache at `cache`, or makes it (a bare repository with the
  // remote `origin` at `url`: any URL libgit2 takes, a path or file:// in
  // tests, https:// and ssh:// in use, signed in to with `credentials`).
  // A directory there that is not a repository is vdc's own, damaged: it
  // is made anew.
  Repository(const std::string& url, const std::string& cache, Credentials credentials = {});
  ~Repository();
  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;

  // Fetches every branch, forced: a branch rewritten on the remote is
  // followed (refs/remotes/origin/*). Throws Error when the remote cannot be reached.
  void fetch();
  // The commit id `branch` is at, as last fetched.
  std::string head(const std::string& branch) const;
  // Writes the files under `path` of commit `commit` into `into` (made
  // fresh); throws Error when the commit has no such directory, or when
  // the commit cannot be read even from a fresh cache.
  void writeTree(const std::string& commit, const std::string& path, const std::string& into);

 private:
  struct Free {
    void operator()(git_repository* repo) const;
  };
  using Handle = std::unique_ptr<git_repository, Free>;
  // Opens the bare repository at `directory`, or makes it there afresh.
  Handle openOrMake(const std::string& directory) const;
  void fetchInto(git_repository* repo) const;
  void writeTreeOnce(const std::string& commit, const std::string& path, const std::string& into) const;
  // Fetches into a new cache beside the old one and, if that works, puts it
  // in the old one's place; throws (keeping the old cache) if it does not.
  void remake();

  std::string url_, cache_;
  Credentials credentials_;
  Handle repo_;
};

}  // namespace vdc::gitops
