// The deleter of every C library handle vdc holds: a unique_ptr<T,
// Release<free_function>> frees it with the library's own call. Each
// library's handles are named in one header beside their users:
// providers/libvirt/api/handles.h (libvirt), providers/libvirt/api/
// xml_handles.h (libxml2), support/archive_handles.h (libarchive),
// support/curl_handles.h (libcurl), gitops/git_handles.h (libgit2); the
// one handle of Graphviz (serve/graph_svg.cc) and of OpenSSL's digests
// (engine/hash.cc) are named where they are used. File descriptors are
// held by base/file_descriptor.h.
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
