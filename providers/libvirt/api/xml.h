// Reading libvirt XML with libxml2 (XPath, compiled once per expression and
// thread), and escaping text written into it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "providers/libvirt/api/xml_handles.h"

namespace vdc::libvirt {

// The namespace of what vdc writes into the metadata of libvirt objects
// (providers/libvirt/ownership.h); XPath expressions name it "vdc:".
inline constexpr const char* kOwnershipNamespace = "urn:vdc:ownership:1";

class XmlDocument {
 public:
  // Parses `text`; throws Error if it is not well-formed.
  explicit XmlDocument(const std::string& text, const std::string& what = "XML");
  // Queries a document owned elsewhere (a streaming reader's).
  static XmlDocument borrow(xmlDocPtr doc);

  xmlNodePtr root() const { return xmlDocGetRootElement(doc_); }

  // XPath relative to `context` (the root element when null); prefixes
  // `vdc` (ownership records) and `test` (test driver) are known.
  std::vector<xmlNodePtr> nodes(const std::string& xpath, xmlNodePtr context = nullptr) const;
  std::optional<std::string> text(const std::string& xpath, xmlNodePtr context = nullptr) const;
  static std::optional<std::string> attribute(xmlNodePtr node, const char* name);
  static std::string content(xmlNodePtr node);

  // Takes the nodes `xpath` finds out of the document; how many there were.
  size_t removeAll(const std::string& xpath, xmlNodePtr context = nullptr);
  // The document as text, without an XML declaration.
  std::string str() const;

 private:
  XmlDocument() = default;
  void prepareXPath();

  XmlDoc owned_;             // none for a borrowed document
  xmlDocPtr doc_ = nullptr;  // owned_'s, or the borrowed one
  XPathContext xpath_;
};

std::string xmlEscape(const std::string& text);

// A libvirt scaled integer: `value` in `unit` (libvirt's spellings: b, bytes,
// KB, k, KiB, MB, M, MiB, GB, G, GiB, TB, T, TiB), in bytes.
std::optional<uint64_t> scaledBytes(const std::string& value, const std::string& unit);
// The element's text scaled by its `unit` attribute, `defaultUnit` when it has none.
std::optional<uint64_t> scaledBytes(xmlNodePtr element, const std::string& defaultUnit);

}  // namespace vdc::libvirt
