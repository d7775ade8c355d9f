// A request as the server's routes see it, whole and checked (its size,
// its time, its text: serve/http_server.h), and the response they make.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vdc::serve {

struct Request {
  std::string method;
  std::string path;   // percent-decoded, valid UTF-8
  std::multimap<std::string, std::string> params;  // the query, decoded
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string body;
  std::vector<std::string> matches;  // the route's pattern groups; [0] is the whole path

  // The first header of that name ("" when none); case does not matter.
  std::string header(const std::string& name) const;
  bool hasParam(const std::string& name) const { return params.count(name) > 0; }
  std::string param(const std::string& name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // A body made piece by piece after the handler returns (an event stream,
  // a download): each call gives the next piece, or none at the end. With
  // `length` the pieces add up to it; without, they go out chunked. `done`
  // is called once the stream ends, however it ends.
  struct Stream {
    std::function<std::optional<std::string>()> next;
    std::optional<uint64_t> length;
    std::function<void()> done;
  };
  std::optional<Stream> stream;

  void setHeader(const std::string& name, const std::string& value);
  void setContent(std::string content, const std::string& type);
  void redirect(const std::string& location);
  std::string header(const std::string& name) const;
};

}  // namespace vdc::serve
