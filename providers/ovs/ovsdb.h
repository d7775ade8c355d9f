// A client of ovsdb-server speaking OVSDB's JSON-RPC (RFC 7047) over its
// unix socket: the way Open vSwitch's own tools read and change bridges,
// ports and interfaces.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/model.h"

namespace vdc::ovs {

// OVSDB's notation for a map column value and for a row named earlier in
// the same transaction.
Json ovsMap(const std::map<std::string, std::string>& entries);
std::map<std::string, std::string> fromOvsMap(const Json& value);
Json namedUuid(const std::string& name);

class Ovsdb {
 public:
  // `socket`: "unix:/var/run/openvswitch/db.sock" or a plain path.
  explicit Ovsdb(const std::string& socket);
  ~Ovsdb();

  // One JSON-RPC call; its "result", or an Error with the server's error.
  Json call(const std::string& method, const Json& params);
  // A "transact" on the Open_vSwitch database: every operation or none.
  // Returns the operations' results; an operation's error is an Error.
  Json transact(const Json& operations);

 private:
  struct Connection;
  std::unique_ptr<Connection> connection_;
  std::mutex mutex_;  // one call at a time on the connection
  std::string socket_;
  long nextId_ = 1;
};

}  // namespace vdc::ovs
