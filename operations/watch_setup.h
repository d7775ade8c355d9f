// What every watch of a repository is made of, for `vdc watch` and for
// each VDC `vdc serve` follows alike: its options settled and checked, its
// credentials, its clone, the replicas it joins, and how each reconcile
// opens the target.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gitops/credentials.h"
#include "gitops/repository.h"
#include "operations/watch_controller.h"

namespace vdc::operations {

// Takes a password or token out of the repository's URL (the environment's
// otherwise): it signs in, and is never shown or stored.
gitops::Credentials takeCredentials(WatchOptions& options);

// Fills in the default cache and status file: one cache per repository,
// branch, path and target, under the working directory, so that two watches
// of one branch onto two datacenters keep apart what each has in force.
void completeWatchOptions(WatchOptions& options);
// What is wrong with the options (a --path leading out of the repository), one line each.
std::vector<std::string> watchOptionProblems(const WatchOptions& options);

// Joins the replicas the target meets in as `replica` (the host name when
// empty), and makes the cache private (a link or others' directory is refused).
void joinWatch(WatchOptions& options, const std::string& replica, const std::string& purpose);
// The repository followed, cloned into the cache.
std::unique_ptr<gitops::Repository> cloneInto(const WatchOptions& options, const gitops::Credentials& credentials);

// For each reconcile: the revision's own Target (rules.targetPath) when it
// has one, else `target` (none: the embedded datacenter).
WatchController::Opener targetOpener(std::optional<std::string> target);

}  // namespace vdc::operations
