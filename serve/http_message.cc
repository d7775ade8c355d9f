#include "serve/http_message.h"

#include "base/text.h"

namespace vdc::serve {

std::string Request::header(const std::string& name) const {
  std::string wanted = lowerCase(name);
  for (const auto& [key, value] : headers)
    if (key == wanted) return value;
  return "";
}

std::string Request::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

void Response::setHeader(const std::string& name, const std::string& value) {
  for (auto& [key, old] : headers)
    if (lowerCase(key) == lowerCase(name)) {
      old = value;
      return;
    }
  headers.emplace_back(name, value);
}

std::string Response::header(const std::string& name) const {
  for (const auto& [key, value] : headers)
    if (lowerCase(key) == lowerCase(name)) return value;
  return "";
}

void Response::setContent(std::string content, const std::string& type) {
  body = std::move(content);
  setHeader("Content-Type", type);
}

void Response::redirect(const std::string& location) {
  status = 302;
  setHeader("Location", location);
}

}  // namespace vdc::serve
