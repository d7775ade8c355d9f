// Git trees as no git command would write them, for the tests of what a
// followed repository may hold: entries named "..", ".git" or with a
// slash, links and submodules, written byte by byte with
// `git hash-object --literally` into a repository the test made.
#pragma once

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace vdc::testing {

class RawGit {
 public:
  struct Entry {
    std::string mode;  // "100644", "40000", "120000", "160000"
    std::string name;  // any bytes but NUL
    std::string id;    // 40 hex digits
  };

  explicit RawGit(std::filesystem::path repository) : repository_(std::move(repository)) {}

  // Runs git in the repository; its standard output, without the last line feed.
  std::string git(const std::string& args) const {
    std::string command = "cd '" + repository_.string() + "' && git -c user.name=vdc -c user.email=vdc@example.org " +
                          args + " 2>/dev/null";
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run git " + args);
    std::string out;
    char buffer[4096];
    for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
    if (pclose(pipe) != 0) throw std::runtime_error("git " + args + " failed");
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
  }

  std::string blob(const std::string& bytes) const { return hashObject("blob", bytes); }

  // A tree of exactly these entries, in this order, names unchecked.
  std::string tree(const std::vector<Entry>& entries) const {
    std::string bytes;
    for (const auto& e : entries) {
      bytes += e.mode + " " + e.name;
      bytes += '\0';
      for (size_t i = 0; i < 40; i += 2) bytes += static_cast<char>(std::stoi(e.id.substr(i, 2), nullptr, 16));
    }
    return hashObject("tree", bytes);
  }

  // A commit of `tree` on top of `branch`, which then points at it; its id.
  std::string commitTree(const std::string& tree, const std::string& branch = "main") const {
    std::string parent = git("rev-parse --verify -q refs/heads/" + branch + " || true");
    std::string commit = git("commit-tree " + tree + (parent.empty() ? "" : " -p " + parent) + " -m raw");
    git("update-ref refs/heads/" + branch + " " + commit);
    return commit;
  }

 private:
  std::string hashObject(const std::string& type, const std::string& bytes) const {
    auto file = repository_ / ".git" / "raw-object";
    std::ofstream(file, std::ios::binary) << bytes;
    std::string id = git("hash-object --literally -w -t " + type + " '" + file.string() + "'");
    std::filesystem::remove(file);
    return id;
  }

  std::filesystem::path repository_;
};

}  // namespace vdc::testing
