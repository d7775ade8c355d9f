// libxml2's handles, each freed with the library's own call (base/release.h).
#pragma once

#include <memory>

#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <libxml/xpath.h>

#include "base/release.h"

namespace vdc::libvirt {

// xmlFree is a pointer the library sets, not a function: it is called through this.
inline void freeXmlText(xmlChar* text) { xmlFree(text); }

using XmlDoc = std::unique_ptr<xmlDoc, Release<xmlFreeDoc>>;
using XmlText = std::unique_ptr<xmlChar, Release<freeXmlText>>;
using XmlBuffer = std::unique_ptr<xmlBuffer, Release<xmlBufferFree>>;
using XmlReader = std::unique_ptr<xmlTextReader, Release<xmlFreeTextReader>>;
using XPathContext = std::unique_ptr<xmlXPathContext, Release<xmlXPathFreeContext>>;
using XPathObject = std::unique_ptr<xmlXPathObject, Release<xmlXPathFreeObject>>;
using XPathExpression = std::unique_ptr<xmlXPathCompExpr, Release<xmlXPathFreeCompExpr>>;

}  // namespace vdc::libvirt
