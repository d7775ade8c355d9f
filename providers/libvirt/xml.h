// Reading libvirt XML with libxml2 (XPath), and escaping text written into it.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <libxml/tree.h>
#include <libxml/xpath.h>

namespace vdc::libvirt {

class XmlDocument {
 public:
  // Throws Error if `text` is not well-formed.
  explicit XmlDocument(const std::string& text, const std::string& what = "XML");

  // Text of the first node the XPath selects (attribute or element).
  std::optional<std::string> text(const std::string& xpath, xmlNodePtr context = nullptr) const;
  std::vector<xmlNodePtr> nodes(const std::string& xpath, xmlNodePtr context = nullptr) const;
  static std::optional<std::string> attribute(xmlNodePtr node, const char* name);
  static std::string content(xmlNodePtr node);

 private:
  struct DocFree { void operator()(xmlDocPtr p) const { xmlFreeDoc(p); } };
  struct ContextFree { void operator()(xmlXPathContextPtr p) const { xmlXPathFreeContext(p); } };
  std::unique_ptr<xmlDoc, DocFree> doc_;
  std::unique_ptr<xmlXPathContext, ContextFree> xpath_;
};

std::string xmlEscape(const std::string& text);

}  // namespace vdc::libvirt
