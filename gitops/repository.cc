#include "gitops/repository.h"

#include <git2.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "engine/error.h"

namespace vdc::gitops {

namespace {

namespace fs = std::filesystem;

template <typename T, void (*F)(T*)>
struct Freer {
  void operator()(T* p) const { F(p); }
};
using Remote = std::unique_ptr<git_remote, Freer<git_remote, git_remote_free>>;
using Commit = std::unique_ptr<git_commit, Freer<git_commit, git_commit_free>>;
using Tree = std::unique_ptr<git_tree, Freer<git_tree, git_tree_free>>;
using TreeEntry = std::unique_ptr<git_tree_entry, Freer<git_tree_entry, git_tree_entry_free>>;
using Blob = std::unique_ptr<git_blob, Freer<git_blob, git_blob_free>>;

void initialize() {
  static std::once_flag once;
  std::call_once(once, [] { git_libgit2_init(); });
}

std::string lastError(const std::string& what) {
  const git_error* error = git_error_last();
  return what + ": " + (error && error->message ? error->message : "unknown error");
}

// libgit2's last error, with what was being done.
[[noreturn]] void fail(const std::string& what) { throw Error(lastError(what)); }

// What the cache could not read (an object that should be there): a fresh
// cache may have it. Never leaves this file: writeTree throws Error.
struct ReadFailure : Error {
  explicit ReadFailure(const std::string& what) : Error(lastError(what)) {}
};

git_oid oidOf(const std::string& commit) {
  git_oid oid;
  if (git_oid_fromstr(&oid, commit.c_str()) < 0) fail("'" + commit + "' is not a commit id");
  return oid;
}

// Every blob of `tree` under `into`, directories made as they come.
void writeBlobs(git_repository* repo, const git_tree* tree, const fs::path& into) {
  for (size_t i = 0; i < git_tree_entrycount(tree); ++i) {
    const git_tree_entry* entry = git_tree_entry_byindex(tree, i);
    fs::path path = into / git_tree_entry_name(entry);
    git_filemode_t mode = git_tree_entry_filemode(entry);
    if (mode == GIT_FILEMODE_TREE) {
      git_tree* sub = nullptr;
      if (git_tree_lookup(&sub, repo, git_tree_entry_id(entry)) < 0) throw ReadFailure("cannot read tree " + path.string());
      Tree held(sub);
      fs::create_directories(path);
      writeBlobs(repo, sub, path);
    } else if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
      git_blob* blob = nullptr;
      if (git_blob_lookup(&blob, repo, git_tree_entry_id(entry)) < 0) throw ReadFailure("cannot read " + path.string());
      Blob held(blob);
      std::ofstream out(path, std::ios::binary);
      out.write(static_cast<const char*>(git_blob_rawcontent(blob)), static_cast<std::streamsize>(git_blob_rawsize(blob)));
      if (!out.flush()) throw Error("cannot write " + path.string());
    }
    // Symbolic links and submodules are not part of a VDC: left out.
  }
}

}  // namespace

void Repository::Free::operator()(git_repository* repo) const { git_repository_free(repo); }

Repository::Handle Repository::openOrMake(const std::string& directory) const {
  git_repository* repo = nullptr;
  if (git_repository_open_bare(&repo, directory.c_str()) == 0) return Handle(repo);
  // Not a repository: vdc's own cache, damaged, or nothing yet.
  std::error_code ec;
  fs::remove_all(directory, ec);
  fs::create_directories(directory);
  if (git_repository_init(&repo, directory.c_str(), 1) < 0) fail("cannot make the cache " + directory);
  Handle held(repo);
  git_remote* remote = nullptr;
  if (git_remote_create(&remote, repo, "origin", url_.c_str()) < 0) fail("cannot add remote " + url_);
  Remote remoteHeld(remote);
  return held;
}

Repository::Repository(const std::string& url, const std::string& cache, Credentials credentials)
    : url_(url), cache_(cache), credentials_(std::move(credentials)) {
  initialize();
  repo_ = openOrMake(cache_);
}

Repository::~Repository() = default;

void Repository::fetchInto(git_repository* repo) const {
  git_remote* remote = nullptr;
  if (git_remote_lookup(&remote, repo, "origin") < 0) fail("the cache has no remote origin");
  Remote held(remote);
  // Forced, into refs/remotes/origin/*: a rewritten branch replaces the old.
  char spec[] = "+refs/heads/*:refs/remotes/origin/*";
  char* specs[] = {spec};
  git_strarray refspecs{specs, 1};
  git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
  options.prune = GIT_FETCH_PRUNE;
  SignIn signIn(credentials_);
  options.callbacks.credentials = SignIn::acquire;
  options.callbacks.certificate_check = SignIn::checkCertificate;
  options.callbacks.payload = &signIn;
  if (git_remote_fetch(remote, &refspecs, &options, nullptr) < 0) {
    if (!signIn.refusal().empty()) throw Error("cannot fetch " + url_ + ": " + signIn.refusal());
    fail("cannot fetch " + url_);
  }
}

void Repository::remake() {
  std::string fresh = cache_ + ".fresh";
  {
    Handle repo = openOrMake(fresh);
    try {
      fetchInto(repo.get());
    } catch (const Error&) {
      repo.reset();
      std::error_code ec;
      fs::remove_all(fresh, ec);
      throw;
    }
  }
  repo_.reset();
  fs::remove_all(cache_);
  fs::rename(fresh, cache_);
  repo_ = openOrMake(cache_);
}

void Repository::fetch() {
  try {
    fetchInto(repo_.get());
  } catch (const Error& first) {
    // A damaged cache fails as an unreachable remote does; a fresh cache
    // tells them apart. Its failure is the remote's: the first error says it.
    try {
      remake();
    } catch (const Error&) {
      throw first;
    }
  }
}

std::string Repository::head(const std::string& branch) const {
  git_oid oid;
  if (git_reference_name_to_id(&oid, repo_.get(), ("refs/remotes/origin/" + branch).c_str()) < 0)
    fail("no branch " + branch + " in " + url_);
  return git_oid_tostr_s(&oid);
}

void Repository::writeTree(const std::string& commit, const std::string& path, const std::string& into) {
  try {
    writeTreeOnce(commit, path, into);
  } catch (const ReadFailure& failure) {
    try {
      remake();
    } catch (const Error&) {
      throw Error(failure.what());
    }
    try {
      writeTreeOnce(commit, path, into);
    } catch (const ReadFailure& again) {
      throw Error(again.what());
    }
  }
}

void Repository::writeTreeOnce(const std::string& commit, const std::string& path, const std::string& into) const {
  git_oid oid = oidOf(commit);
  git_commit* found = nullptr;
  if (git_commit_lookup(&found, repo_.get(), &oid) < 0) throw ReadFailure("no commit " + commit + " in " + url_);
  Commit held(found);
  git_tree* root = nullptr;
  if (git_commit_tree(&root, found) < 0) throw ReadFailure("cannot read the tree of " + commit);
  Tree rootHeld(root);
  Tree tree;
  std::string relative = path;
  while (!relative.empty() && relative.back() == '/') relative.pop_back();
  if (relative.empty() || relative == ".") {
    git_tree* copy = nullptr;
    if (git_tree_dup(&copy, root) < 0) fail("cannot read the tree of " + commit);
    tree.reset(copy);
  } else {
    git_tree_entry* entry = nullptr;
    if (git_tree_entry_bypath(&entry, root, relative.c_str()) < 0)
      throw Error("commit " + commit + " has no directory " + relative);
    TreeEntry entryHeld(entry);
    if (git_tree_entry_type(entry) != GIT_OBJECT_TREE)
      throw Error("in commit " + commit + ", " + relative + " is not a directory");
    git_tree* sub = nullptr;
    if (git_tree_lookup(&sub, repo_.get(), git_tree_entry_id(entry)) < 0) throw ReadFailure("cannot read " + relative);
    tree.reset(sub);
  }
  fs::remove_all(into);
  fs::create_directories(into);
  writeBlobs(repo_.get(), tree.get(), into);
}

}  // namespace vdc::gitops
