// A revision source that the VDC's controller and the API's requests use
// from different threads: a git repository's handles are not safe to use at
// once, so every call goes through one lock.
#pragma once

#include <memory>
#include <mutex>

#include "gitops/revision_source.h"

namespace vdc::serve {

class SharedSource : public gitops::RevisionSource {
 public:
  explicit SharedSource(std::unique_ptr<gitops::RevisionSource> inner) : inner_(std::move(inner)) {}

  void fetch() override {
    std::lock_guard lock(mutex_);
    inner_->fetch();
  }
  std::string head(const std::string& branch) const override {
    std::lock_guard lock(mutex_);
    return inner_->head(branch);
  }
  std::vector<std::string> writeTree(const std::string& revision, const std::string& path, const std::string& into,
                                     const std::string& strictPath) override {
    std::lock_guard lock(mutex_);
    return inner_->writeTree(revision, path, into, strictPath);
  }

 private:
  std::unique_ptr<gitops::RevisionSource> inner_;
  mutable std::mutex mutex_;
};

}  // namespace vdc::serve
