// RAII for libgit2's handles, each freed with libgit2's own call
// (base/release.h).
#pragma once

#include <memory>

#include <git2.h>

#include "base/release.h"

namespace vdc::gitops {

using GitRepository = std::unique_ptr<git_repository, Release<git_repository_free>>;
using GitRemote = std::unique_ptr<git_remote, Release<git_remote_free>>;
using GitCommit = std::unique_ptr<git_commit, Release<git_commit_free>>;
using GitTree = std::unique_ptr<git_tree, Release<git_tree_free>>;
using GitTreeEntry = std::unique_ptr<git_tree_entry, Release<git_tree_entry_free>>;
using GitBlob = std::unique_ptr<git_blob, Release<git_blob_free>>;
using GitOdb = std::unique_ptr<git_odb, Release<git_odb_free>>;

}  // namespace vdc::gitops
