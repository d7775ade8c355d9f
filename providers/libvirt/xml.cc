#include "providers/libvirt/xml.h"

#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include "engine/error.h"
#include "providers/libvirt/ownership.h"

namespace vdc::libvirt {

namespace {
struct ObjectFree { void operator()(xmlXPathObjectPtr p) const { xmlXPathFreeObject(p); } };
struct CharFree { void operator()(xmlChar* p) const { xmlFree(p); } };
}  // namespace

XmlDocument::XmlDocument(const std::string& text, const std::string& what) {
  doc_.reset(xmlReadMemory(text.data(), static_cast<int>(text.size()), nullptr, nullptr,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc_) throw Error("cannot parse " + what);
  xpath_.reset(xmlXPathNewContext(doc_.get()));
  xmlXPathRegisterNs(xpath_.get(), BAD_CAST "vdc", BAD_CAST kOwnershipNamespace);
}

std::vector<xmlNodePtr> XmlDocument::nodes(const std::string& xpath, xmlNodePtr context) const {
  xpath_->node = context ? context : xmlDocGetRootElement(doc_.get());
  std::unique_ptr<xmlXPathObject, ObjectFree> result(xmlXPathEvalExpression(BAD_CAST xpath.c_str(), xpath_.get()));
  std::vector<xmlNodePtr> out;
  if (!result || !result->nodesetval) return out;
  for (int i = 0; i < result->nodesetval->nodeNr; ++i) out.push_back(result->nodesetval->nodeTab[i]);
  return out;
}

std::optional<std::string> XmlDocument::text(const std::string& xpath, xmlNodePtr context) const {
  auto found = nodes(xpath, context);
  if (found.empty()) return std::nullopt;
  return content(found.front());
}

std::optional<std::string> XmlDocument::attribute(xmlNodePtr node, const char* name) {
  std::unique_ptr<xmlChar, CharFree> value(xmlGetProp(node, BAD_CAST name));
  if (!value) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(value.get()));
}

std::string XmlDocument::content(xmlNodePtr node) {
  std::unique_ptr<xmlChar, CharFree> value(xmlNodeGetContent(node));
  return value ? std::string(reinterpret_cast<const char*>(value.get())) : std::string();
}

std::string xmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace vdc::libvirt
