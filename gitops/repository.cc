#include "gitops/repository.h"

#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "base/error.h"
#include "base/safe_file.h"
#include "base/text.h"
#include "gitops/git_handles.h"

namespace vdc::gitops {

namespace {

namespace fs = std::filesystem;


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

bool under(const std::string& path, const std::string& directory) {
  return directory.empty() || path == directory || path.starts_with(directory + "/");
}

std::string join(const std::string& directory, const std::string& name) {
  return directory.empty() ? name : directory + "/" + name;
}

// A relative directory in canonical form: "" for the top, no "." or trailing slash.
std::string normalDirectory(std::string path) {
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path == ".") path.clear();
  while (path.starts_with("./")) path.erase(0, 2);
  return path;
}

// One walk over a tree before anything is written: every name checked, each
// blob's size read from its header (never the blob), the bounds counted.
class TreeWalk {
 public:
  TreeWalk(git_repository* repo, const TreeLimits& limits, std::string base, std::string strict)
      : repo_(repo), limits_(limits), base_(std::move(base)), strict_(std::move(strict)) {
    git_odb* odb = nullptr;
    if (git_repository_odb(&odb, repo) < 0) throw ReadFailure("cannot open the object database");
    odb_.reset(odb);
  }

  void walk(const git_tree* tree, const std::string& relative, int depth) {
    if (depth > limits_.depth) return refuse(relative, "is deeper than " + std::to_string(limits_.depth) + " directories");
    for (size_t i = 0; i < git_tree_entrycount(tree) && problems.size() < kMostProblems; ++i) {
      const git_tree_entry* entry = git_tree_entry_byindex(tree, i);
      std::string name = git_tree_entry_name(entry);
      std::string path = join(relative, name);
      if (std::string why = unsafeEntryName(name); !why.empty()) {
        refuse(path, "is not a safe file name: " + why);
        continue;
      }
      if (++entries_ > limits_.entries) return refuse(path, "is past the " + std::to_string(limits_.entries) + " entries a revision may hold");
      git_filemode_t mode = git_tree_entry_filemode(entry);
      if (mode == GIT_FILEMODE_TREE) {
        git_tree* sub = nullptr;
        if (git_tree_lookup(&sub, repo_, git_tree_entry_id(entry)) < 0) throw ReadFailure("cannot read tree " + shown(path));
        GitTree held(sub);
        directories.push_back(path);
        walk(sub, path, depth + 1);
      } else if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE) {
        size_t size = 0;
        git_object_t type = GIT_OBJECT_INVALID;
        if (git_odb_read_header(&size, &type, odb_.get(), git_tree_entry_id(entry)) < 0 || type != GIT_OBJECT_BLOB)
          throw ReadFailure("cannot read " + shown(path));
        total_ += size;
        if (size > limits_.fileBytes)
          refuse(path, "holds " + std::to_string(size) + " bytes; a file may hold " + std::to_string(limits_.fileBytes));
        else if (total_ > limits_.totalBytes)
          return refuse(path, "takes the revision past the " + std::to_string(limits_.totalBytes) + " bytes it may hold");
        else
          files.emplace_back(path, *git_tree_entry_id(entry));
      } else {
        const char* what = mode == GIT_FILEMODE_LINK ? "a symbolic link" : mode == GIT_FILEMODE_COMMIT ? "a submodule" : "not a file";
        if (under(path, strict_)) refuse(path, std::string("is ") + what + ", which a VDC directory may not hold");
        else skipped.push_back(shown(path) + " (" + what + ")");
      }
    }
  }

  std::vector<std::pair<std::string, git_oid>> files;  // relative path, blob
  std::vector<std::string> directories;
  std::vector<std::string> skipped;
  std::vector<std::string> problems;

 private:
  static constexpr size_t kMostProblems = 20;
  std::string shown(const std::string& path) const { return printable(join(base_, path)); }
  void refuse(const std::string& path, const std::string& why) { problems.push_back(shown(path) + " " + why); }

  git_repository* repo_;
  const TreeLimits& limits_;
  std::string base_, strict_;
  GitOdb odb_;
  size_t entries_ = 0;
  uint64_t total_ = 0;
};

// A new file that is nobody else's: never through a link, never over a file.
void writeNewFile(const fs::path& path, const void* bytes, size_t size) {
  FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
  const char* at = static_cast<const char*>(bytes);
  while (size > 0) {
    ssize_t wrote = ::write(fd.get(), at, size);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
    at += wrote;
    size -= static_cast<size_t>(wrote);
  }
  if (!fd.close()) throw Error("cannot write " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

bool isCommitId(std::string_view text) {
  return text.size() == GIT_OID_HEXSZ &&
         text.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string unsafeEntryName(std::string_view name) {
  if (name.empty()) return "empty";
  if (name == "." || name == "..") return "a step out of its directory";
  if (name.size() > 255) return "longer than the 255 bytes a file name may have";
  for (unsigned char c : name) {
    if (c == '/' || c == '\\') return "it holds a slash";
    if (c < 0x20 || c == 0x7f) return "it holds a control byte";
  }
  // Some file systems drop trailing dots and spaces and ignore case; git
  // itself refuses these names for its own directory (fsck), in every form.
  std::string bare = lowerCase(std::string(name));
  while (!bare.empty() && (bare.back() == '.' || bare.back() == ' ')) bare.pop_back();
  if (bare == ".git" || bare == "git~1") return "git's own directory";
  if (bare == ".vdc") return "vdc's own state directory";
  return "";
}

namespace {

// Opens the bare repository at `directory`, or makes it there afresh, following `url`.
GitRepository openOrMake(const std::string& directory, const std::string& url) {
  git_repository* repo = nullptr;
  if (git_repository_open_bare(&repo, directory.c_str()) == 0) return GitRepository(repo);
  // Not a repository: vdc's own cache, damaged, or nothing yet.
  std::error_code ec;
  fs::remove_all(directory, ec);
  fs::create_directories(directory);
  if (git_repository_init(&repo, directory.c_str(), 1) < 0) fail("cannot make the cache " + directory);
  GitRepository held(repo);
  git_remote* remote = nullptr;
  if (git_remote_create(&remote, repo, "origin", url.c_str()) < 0) fail("cannot add remote " + url);
  GitRemote remoteHeld(remote);
  return held;
}

void fetchInto(git_repository* repo, const std::string& url, const Credentials& credentials) {
  git_remote* remote = nullptr;
  if (git_remote_lookup(&remote, repo, "origin") < 0) fail("the cache has no remote origin");
  GitRemote held(remote);
  // Forced, into refs/remotes/origin/*: a rewritten branch replaces the old.
  char spec[] = "+refs/heads/*:refs/remotes/origin/*";
  char* specs[] = {spec};
  git_strarray refspecs{specs, 1};
  git_fetch_options options = GIT_FETCH_OPTIONS_INIT;
  options.prune = GIT_FETCH_PRUNE;
  SignIn signIn(credentials);
  options.callbacks.credentials = SignIn::acquire;
  options.callbacks.certificate_check = SignIn::checkCertificate;
  options.callbacks.payload = &signIn;
  if (git_remote_fetch(remote, &refspecs, &options, nullptr) < 0) {
    if (!signIn.refusal().empty()) throw Error("cannot fetch " + url + ": " + signIn.refusal());
    fail("cannot fetch " + url);
  }
}

}  // namespace

struct Repository::Cache {
  GitRepository handle;
};

Repository::Repository(const std::string& url, const std::string& cache, Credentials credentials)
    : url_(url), cache_(cache), credentials_(std::move(credentials)) {
  initialize();
  repo_ = std::make_unique<Cache>(openOrMake(cache_, url_));
}

Repository::~Repository() = default;

// None after a cache that could not be made again (remake): an error, which
// the next fetch answers by making it again.
git_repository* Repository::git() const {
  if (!repo_) throw Error("the cache of " + url_ + " is not open");
  return repo_->handle.get();
}

void Repository::remake() {
  std::string fresh = cache_ + ".fresh";
  {
    GitRepository repo = openOrMake(fresh, url_);
    try {
      fetchInto(repo.get(), url_, credentials_);
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
  repo_ = std::make_unique<Cache>(openOrMake(cache_, url_));
}

void Repository::fetch() {
  try {
    fetchInto(git(), url_, credentials_);
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
  if (git_reference_name_to_id(&oid, git(), ("refs/remotes/origin/" + branch).c_str()) < 0)
    fail("no branch " + branch + " in " + url_);
  return git_oid_tostr_s(&oid);
}

std::vector<std::string> Repository::writeTree(const std::string& commit, const std::string& path,
                                               const std::string& into, const std::string& strictPath) {
  try {
    return writeTreeOnce(commit, path, into, strictPath);
  } catch (const ReadFailure& failure) {
    try {
      remake();
    } catch (const Error&) {
      throw Error(failure.what());
    }
    try {
      return writeTreeOnce(commit, path, into, strictPath);
    } catch (const ReadFailure& again) {
      throw Error(again.what());
    }
  }
}

std::vector<std::string> Repository::writeTreeOnce(const std::string& commit, const std::string& path,
                                                   const std::string& into, const std::string& strictPath) const {
  git_oid oid = oidOf(commit);
  git_commit* found = nullptr;
  if (git_commit_lookup(&found, git(), &oid) < 0) throw ReadFailure("no commit " + commit + " in " + url_);
  GitCommit held(found);
  git_tree* root = nullptr;
  if (git_commit_tree(&root, found) < 0) throw ReadFailure("cannot read the tree of " + commit);
  GitTree rootHeld(root);
  GitTree tree;
  std::string relative = normalDirectory(path);
  if (relative.empty()) {
    git_tree* copy = nullptr;
    if (git_tree_dup(&copy, root) < 0) fail("cannot read the tree of " + commit);
    tree.reset(copy);
  } else {
    git_tree_entry* entry = nullptr;
    if (git_tree_entry_bypath(&entry, root, relative.c_str()) < 0)
      throw Error("commit " + commit + " has no directory " + printable(relative));
    GitTreeEntry entryHeld(entry);
    if (git_tree_entry_type(entry) != GIT_OBJECT_TREE)
      throw Error("in commit " + commit + ", " + printable(relative) + " is not a directory");
    git_tree* sub = nullptr;
    if (git_tree_lookup(&sub, git(), git_tree_entry_id(entry)) < 0) throw ReadFailure("cannot read " + relative);
    tree.reset(sub);
  }

  TreeWalk walk(git(), limits_, relative, normalDirectory(strictPath));
  walk.walk(tree.get(), "", 1);
  if (!walk.problems.empty()) {
    std::string message = "commit " + commit + " is refused: its tree is not safe to write";
    for (const auto& problem : walk.problems) message += "\n  " + problem;
    throw UnsafeTree(message);
  }
  fs::path base(into);
  fs::remove_all(base);
  fs::create_directories(base);
  try {
    for (const auto& directory : walk.directories) fs::create_directory(base / directory);
    for (const auto& [file, id] : walk.files) {
      git_blob* blob = nullptr;
      if (git_blob_lookup(&blob, git(), &id) < 0) throw ReadFailure("cannot read " + printable(join(relative, file)));
      GitBlob blobHeld(blob);
      writeNewFile(base / file, git_blob_rawcontent(blob), static_cast<size_t>(git_blob_rawsize(blob)));
    }
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(base, ignored);
    throw;
  }
  return walk.skipped;
}

std::string workTreeHead(const std::string& directory) {
  initialize();
  git_repository* opened = nullptr;
  if (git_repository_open_ext(&opened, directory.c_str(), 0, nullptr) != 0) return "";
  GitRepository repository(opened);
  git_oid head;
  if (git_reference_name_to_id(&head, repository.get(), "HEAD") != 0) return "";
  char text[GIT_OID_HEXSZ + 1];
  git_oid_tostr(text, sizeof text, &head);
  return text;
}

}  // namespace vdc::gitops
