#include "providers/ovs/ovsdb.h"

#include <boost/asio/local/stream_protocol.hpp>

namespace vdc::ovs {

Json ovsMap(const std::map<std::string, std::string>& entries) {
  Json pairs = Json::array();
  for (const auto& [key, value] : entries) pairs.push_back(Json::array({key, value}));
  return Json::array({"map", pairs});
}

std::map<std::string, std::string> fromOvsMap(const Json& value) {
  std::map<std::string, std::string> entries;
  if (!value.is_array() || value.size() != 2 || value[0] != "map") return entries;
  for (const auto& pair : value[1])
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) entries[pair[0]] = pair[1];
  return entries;
}

Json namedUuid(const std::string& name) { return Json::array({"named-uuid", name}); }

struct Ovsdb::Connection {
  boost::asio::local::stream_protocol::iostream stream;
};

Ovsdb::Ovsdb(const std::string& socket) : connection_(std::make_unique<Connection>()), socket_(socket) {
  std::string path = socket.starts_with("unix:") ? socket.substr(5) : socket;
  connection_->stream.connect(boost::asio::local::stream_protocol::endpoint(path));
  if (!connection_->stream) throw Error("cannot connect to ovsdb-server at " + path + ": " + connection_->stream.error().message());
}

Ovsdb::~Ovsdb() = default;

Json Ovsdb::call(const std::string& method, const Json& params) {
  std::lock_guard lock(mutex_);
  long id = nextId_++;
  auto& stream = connection_->stream;
  stream << Json{{"method", method}, {"params", params}, {"id", id}}.dump() << std::flush;
  // The server may send its own requests in between (echo keeps the session
  // alive); answer those and wait for the reply to ours. Messages follow each
  // other on the socket without separators: each read takes one JSON value.
  while (true) {
    Json message;
    try {
      stream >> message;
    } catch (const Json::exception& e) {
      throw Error("ovsdb-server at " + socket_ + " sent something that is not JSON: " + e.what());
    }
    if (!stream) throw Error("lost the connection to ovsdb-server at " + socket_);
    if (message.value("method", "") == "echo") {
      stream << Json{{"result", message["params"]}, {"error", nullptr}, {"id", message["id"]}}.dump() << std::flush;
      continue;
    }
    if (!message.contains("id") || message["id"] != id) continue;  // a notification
    if (!message["error"].is_null()) throw Error("ovsdb " + method + " failed: " + message["error"].dump());
    return message["result"];
  }
}

Json Ovsdb::transact(const Json& operations) {
  Json params = Json::array({"Open_vSwitch"});
  for (const auto& op : operations) params.push_back(op);
  Json results = call("transact", params);
  for (size_t i = 0; i < results.size(); ++i) {
    if (!results[i].is_object() || !results[i].contains("error")) continue;
    // An error past the last operation is the commit's own (a constraint).
    std::string where = i < operations.size()
                            ? operations[i].value("op", "") + " " + operations[i].value("table", "")
                            : std::string("commit");
    throw Error("ovsdb transaction failed (" + where + "): " + results[i]["error"].get<std::string>() +
                (results[i].contains("details") ? ": " + results[i]["details"].get<std::string>() : ""));
  }
  return results;
}

}  // namespace vdc::ovs
