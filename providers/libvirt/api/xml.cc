#include "providers/libvirt/api/xml.h"

#include <libxml/parser.h>
#include <libxml/xpathInternals.h>

#include <charconv>
#include <map>

#include "base/error.h"

namespace vdc::libvirt {

namespace {

constexpr const char* kTestNamespace = "http://libvirt.org/schemas/domain/test/1.0";

// Compiling an expression costs more than evaluating it on a small element.
xmlXPathCompExprPtr compiled(const std::string& xpath) {
  thread_local std::map<std::string, XPathExpression> cache;
  auto it = cache.find(xpath);
  if (it == cache.end()) {
    xmlXPathCompExprPtr expr = xmlXPathCompile(BAD_CAST xpath.c_str());
    if (!expr) throw Error("bad XPath expression " + xpath);
    it = cache.emplace(xpath, XPathExpression(expr)).first;
  }
  return it->second.get();
}

}  // namespace

XmlDocument::XmlDocument(const std::string& text, const std::string& what) {
  owned_.reset(xmlReadMemory(text.data(), static_cast<int>(text.size()), nullptr, nullptr,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE));
  if (!owned_) throw Error("cannot parse " + what);
  doc_ = owned_.get();
  prepareXPath();
}

XmlDocument XmlDocument::borrow(xmlDocPtr doc) {
  XmlDocument view;
  view.doc_ = doc;
  view.prepareXPath();
  return view;
}

void XmlDocument::prepareXPath() {
  xpath_.reset(xmlXPathNewContext(doc_));
  xmlXPathRegisterNs(xpath_.get(), BAD_CAST "vdc", BAD_CAST kOwnershipNamespace);
  xmlXPathRegisterNs(xpath_.get(), BAD_CAST "test", BAD_CAST kTestNamespace);
}

std::vector<xmlNodePtr> XmlDocument::nodes(const std::string& xpath, xmlNodePtr context) const {
  xpath_->node = context ? context : root();
  XPathObject result(xmlXPathCompiledEval(compiled(xpath), xpath_.get()));
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
  XmlText value(xmlGetProp(node, BAD_CAST name));
  if (!value) return std::nullopt;
  return std::string(reinterpret_cast<const char*>(value.get()));
}

std::string XmlDocument::content(xmlNodePtr node) {
  XmlText value(xmlNodeGetContent(node));
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

std::optional<uint64_t> scaledBytes(const std::string& value, const std::string& unit) {
  static const std::map<std::string, uint64_t> scale = {
      {"b", 1},           {"bytes", 1},          {"KB", 1000},          {"k", 1024},
      {"KiB", 1024},      {"MB", 1000000},       {"M", 1 << 20},        {"MiB", 1 << 20},
      {"GB", 1000000000}, {"G", 1ull << 30},     {"GiB", 1ull << 30},   {"TB", 1000000000000},
      {"T", 1ull << 40},  {"TiB", 1ull << 40}};
  auto it = scale.find(unit);
  uint64_t number = 0;
  std::string trimmed = value;
  while (!trimmed.empty() && isspace(static_cast<unsigned char>(trimmed.back()))) trimmed.pop_back();
  while (!trimmed.empty() && isspace(static_cast<unsigned char>(trimmed.front()))) trimmed.erase(0, 1);
  auto [ptr, ec] = std::from_chars(trimmed.data(), trimmed.data() + trimmed.size(), number);
  if (it == scale.end() || ec != std::errc() || ptr != trimmed.data() + trimmed.size()) return std::nullopt;
  return number * it->second;
}

std::optional<uint64_t> scaledBytes(xmlNodePtr element, const std::string& defaultUnit) {
  if (!element) return std::nullopt;
  return scaledBytes(XmlDocument::content(element), XmlDocument::attribute(element, "unit").value_or(defaultUnit));
}

size_t XmlDocument::removeAll(const std::string& xpath, xmlNodePtr context) {
  auto found = nodes(xpath, context);
  for (xmlNodePtr node : found) {
    xmlUnlinkNode(node);
    xmlFreeNode(node);
  }
  return found.size();
}

std::string XmlDocument::str() const {
  XmlBuffer buffer(xmlBufferCreate());
  if (!buffer || xmlNodeDump(buffer.get(), doc_, root(), 0, 0) < 0) throw Error("cannot write XML");
  return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer.get())), xmlBufferLength(buffer.get()));
}

}  // namespace vdc::libvirt
