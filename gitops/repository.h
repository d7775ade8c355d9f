// A git repository vdc follows (`vdc watch`, issue: GitOps): a bare cache
// of a remote, fetched on demand, from which a revision's VDC directory is
// written out of the git tree itself, never from a work tree that may be
// changing. libgit2 handles are held by unique_ptr and freed with them.
#pragma once

#include <memory>
#include <string>

struct git_repository;

namespace vdc::gitops {

class Repository {
 public:
  // Opens the cache at `cache`, or makes it (a bare repository with the
  // remote `origin` at `url`: any URL libgit2 takes, a path or file:// in
  // tests, https:// and ssh:// in use).
  Repository(const std::string& url, const std::string& cache);
  ~Repository();
  Repository(const Repository&) = delete;
  Repository& operator=(const Repository&) = delete;

  // Fetches every branch, forced: a branch rewritten on the remote is
  // followed (refs/remotes/origin/*). Throws Error when the remote cannot be reached.
  void fetch();
  // The commit id `branch` is at, as last fetched.
  std::string head(const std::string& branch) const;
  // Writes the files under `path` of commit `commit` into `into` (made
  // fresh); throws Error when the commit has no such directory.
  void writeTree(const std::string& commit, const std::string& path, const std::string& into) const;

 private:
  struct Free {
    void operator()(git_repository* repo) const;
  };
  std::string url_;
  std::unique_ptr<git_repository, Free> repo_;
};

}  // namespace vdc::gitops
