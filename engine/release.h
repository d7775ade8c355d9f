// The deleter of every C library handle vdc holds (libvirt, libarchive,
// libgit2): a unique_ptr<T, Release<free_function>> frees it with the
// library's own call. Each library's handles are named in one header:
// providers/libvirt/api/handles.h, support/archive_handles.h,
// gitops/git_handles.h.
#pragma once

namespace vdc {

template <auto release>
struct Release {
  template <typename T>
  void operator()(T* handle) const {
    release(handle);
  }
};

}  // namespace vdc
