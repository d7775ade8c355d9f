#include "providers/ovs/switch.h"

#include <chrono>
#include <thread>

#include "engine/hash.h"
#include "engine/kinds/network.h"
#include "engine/units.h"
#include "providers/ovs/flows.h"

namespace vdc::ovs {

namespace {

Json recordOf(const Ownership& owner) {
  return {{"vdc", owner.vdc}, {"kind", kindName(owner.id.kind)}, {"name", owner.id.name},
          {"hash", owner.specHash}, {"spec", owner.spec}};
}

// A bridge's ownership: which VDC (to select by) and the whole record.
Json bridgeIds(const Ownership& owner) {
  return ovsMap({{"vdc-vdc", owner.vdc}, {"vdc-owner", recordOf(owner).dump()}});
}

std::string groupKey(const std::string& vdc, const std::string& group) { return "vdc-sg/" + vdc + "/" + group; }

Json op(const std::string& kind, const std::string& table, Json fields) {
  fields["op"] = kind;
  fields["table"] = table;
  return fields;
}

Json where(const std::string& column, const std::string& function, const Json& value) {
  return Json::array({Json::array({column, function, value})});
}

Json uuidOf(const Json& row) { return row.at("_uuid"); }

}  // namespace

Ovsdb& OvsSwitch::db() {
  std::lock_guard lock(mutex_);
  if (!db_) db_ = std::make_unique<Ovsdb>(settings_.socket);
  return *db_;
}

void OvsSwitch::read(const std::string& vdc, LiveState& into) { readRecords(vdc, into, true); }

// The bridges and groups of `vdc` as their records say; with `compareFlows`,
// each bridge's flow table is held against what vdc would write too.
void OvsSwitch::readRecords(const std::string& vdc, LiveState& into, bool compareFlows) {
  Json bridges = op("select", "Bridge",
                    {{"where", where("external_ids", "includes", ovsMap({{"vdc-vdc", vdc}}))},
                     {"columns", Json::array({"name", "external_ids"})}});
  Json root = op("select", "Open_vSwitch", {{"where", Json::array()}, {"columns", Json::array({"external_ids"})}});
  // Every VDC's bridges, for the networks of others this VDC's may overlap.
  Json all = op("select", "Bridge", {{"where", Json::array()}, {"columns", Json::array({"external_ids"})}});
  Json results = db().transact(Json::array({bridges, root, all}));
  for (const auto& row : results[2]["rows"]) {
    auto ids = fromOvsMap(row["external_ids"]);
    Json record = Json::parse(ids["vdc-owner"], nullptr, false);
    if (ids["vdc-vdc"].empty() || ids["vdc-vdc"] == vdc || !record.is_object() || !record["spec"].is_object()) continue;
    into.addNeighbour({ids["vdc-vdc"], record.value("name", ""), record["spec"].value("cidr", "")});
  }
  std::vector<GroupSpec> groups;
  for (const auto& row : results[1]["rows"])
    for (const auto& [key, value] : fromOvsMap(row["external_ids"])) {
      if (!key.starts_with("vdc-sg/" + vdc + "/")) continue;
      Json record = Json::parse(value, nullptr, false);
      // A record is believed under its own key only, and with a spec vdc could have written.
      if (!record.is_object() || key != "vdc-sg/" + vdc + "/" + record.value("name", "") ||
          !isDnsLabel(record.value("name", "")) || !record["spec"].is_object())
        continue;
      into.add({{Kind::SecurityGroup, record.value("name", "")}, "", record.value("hash", ""), record["spec"],
                Json::object()});
      groups.push_back({record.value("name", ""), record["spec"]});
    }
  for (const auto& row : results[0]["rows"]) {
    auto ids = fromOvsMap(row["external_ids"]);
    Json record = Json::parse(ids["vdc-owner"], nullptr, false);
    if (!record.is_object() || record.value("kind", "") != "Network" || !isDnsLabel(record.value("name", "")) ||
        !record["spec"].is_object())
      continue;
    ResourceId id{Kind::Network, record.value("name", "")};
    // A record copied onto another bridge proves nothing: only the bridge vdc names for it is the network.
    if (row["name"] != bridgeName(vdc, id.name)) {
      into.addForeign({id, row["name"].get<std::string>(), vdc});
      continue;
    }
    // The bridge is the network: what OVS holds of it is its existence, and
    // its flows, which show as `hostFlows` when they are not as vdc wrote them.
    Json observed = Json::object();
    auto cidr = Cidr::parse(record["spec"].value("cidr", ""));
    if (compareFlows && settings_.switchRunning && cidr && !flowsAsWritten(row["name"], groups, *cidr))
      observed["hostFlows"] = "differs";
    into.add({id, row["name"], record.value("hash", ""), record["spec"], observed});
  }
}

// Flows that cannot be written (more groups than reg0 has bits) are not as
// written either: the apply says why.
bool OvsSwitch::flowsAsWritten(const std::string& bridge, const std::vector<GroupSpec>& groups, const Cidr& network) {
  try {
    return flowsMatch(rundir(), bridge, securityFlows(groups, network));
  } catch (const Error&) {
    return false;
  }
}

// Where ovs-vswitchd keeps each bridge's management socket: beside the database's.
std::string OvsSwitch::rundir() const {
  std::string socket = settings_.socket.starts_with("unix:") ? settings_.socket.substr(5) : settings_.socket;
  return socket.substr(0, socket.rfind('/'));
}

std::optional<Json> OvsSwitch::networkSpec(const std::string& vdc, const std::string& network) {
  Json rows = db().transact(Json::array({op("select", "Bridge",
                                            {{"where", where("name", "==", bridgeName(vdc, network))},
                                             {"columns", Json::array({"external_ids"})}})}))[0]["rows"];
  if (rows.empty()) return std::nullopt;
  Json record = Json::parse(fromOvsMap(rows[0]["external_ids"])["vdc-owner"], nullptr, false);
  if (!record.is_object() || record.value("vdc", "") != vdc) return std::nullopt;
  return record["spec"];
}

void OvsSwitch::createBridge(const Ownership& owner) {
  if (NetworkSpec(owner.spec).nat())
    throw Error("Network " + owner.id.name + ": mode nat is not available on Open vSwitch in this version");
  std::string name = bridgeName(owner.vdc, owner.id.name);
  Json interface = {{"name", name}, {"type", "internal"}};
  if (owner.spec.contains("mtu")) interface["mtu_request"] = owner.spec["mtu"];
  Json bridge = {{"name", name},
                 {"ports", namedUuid("port")},
                 {"datapath_type", settings_.datapathType},
                 {"external_ids", bridgeIds(owner)}};
  // As `ovs-vsctl add-br` does: the bridge's own internal port, then the
  // bridge, then the root row names it (bridges it does not name are dropped).
  // Asking for a new configuration number, as ovs-vsctl does, tells when
  // ovs-vswitchd has made the bridge: a guest cannot attach before.
  Json mutations = where("bridges", "insert", namedUuid("bridge"));
  mutations.push_back(Json::array({"next_cfg", "+=", 1}));
  Json results = db().transact(Json::array(
      {op("insert", "Interface", {{"row", interface}, {"uuid-name", "interface"}}),
       op("insert", "Port", {{"row", {{"name", name}, {"interfaces", namedUuid("interface")}}}, {"uuid-name", "port"}}),
       op("insert", "Bridge", {{"row", bridge}, {"uuid-name", "bridge"}}),
       op("mutate", "Open_vSwitch", {{"where", Json::array()}, {"mutations", mutations}}),
       op("select", "Open_vSwitch", {{"where", Json::array()}, {"columns", Json::array({"next_cfg"})}})}));
  waitForSwitch(results[4]["rows"][0]["next_cfg"].get<long>());
}

void OvsSwitch::waitForSwitch(long configuration) {
  if (!settings_.switchRunning) return;
  Json select = op("select", "Open_vSwitch", {{"where", Json::array()}, {"columns", Json::array({"cur_cfg"})}});
  for (int tries = 0; tries < 600; ++tries) {
    if (db().transact(Json::array({select}))[0]["rows"][0]["cur_cfg"].get<long>() >= configuration) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw Error("ovs-vswitchd did not take the new configuration within 30 s (is it running?)");
}

void OvsSwitch::setGroupRecord(const std::string& vdc, const std::string& group, const Json* record) {
  std::string key = groupKey(vdc, group);
  Json mutations = where("external_ids", "delete", Json::array({"set", Json::array({key})}));
  if (record) mutations.push_back(Json::array({"external_ids", "insert", ovsMap({{key, record->dump()}})}));
  db().transact(Json::array({op("mutate", "Open_vSwitch", {{"where", Json::array()}, {"mutations", mutations}})}));
}

// Every bridge of the VDC gets the flows of every group: a group's members
// and peers may sit on any of its networks.
void OvsSwitch::programFlows(const std::string& vdc) {
  if (!settings_.switchRunning) return;
  // One at a time, each reading the state afresh: the last to run saw every
  // change before it. Bridges are removed under the same lock. A bridge
  // created in parallel and read here raised the configuration number read
  // after it (in its own transaction), so waiting for that number waits for
  // ovs-vswitchd to have made the bridge.
  std::lock_guard lock(flowsMutex_);
  LiveState live;
  readRecords(vdc, live, false);  // the flows are about to be replaced: no need to compare them
  Json next = db().transact(Json::array(
      {op("select", "Open_vSwitch", {{"where", Json::array()}, {"columns", Json::array({"next_cfg"})}})}));
  waitForSwitch(next[0]["rows"][0]["next_cfg"].get<long>());
  std::vector<GroupSpec> groups;
  for (const auto& [id, object] : live.objects())
    if (id.kind == Kind::SecurityGroup) groups.push_back({id.name, object.recorded});
  for (const auto& [id, object] : live.objects()) {
    if (id.kind != Kind::Network) continue;
    auto cidr = Cidr::parse(object.recorded.value("cidr", ""));
    if (cidr) replaceFlows(rundir(), object.physicalName, securityFlows(groups, *cidr));
  }
}

void OvsSwitch::create(const Ownership& owner) {
  if (owner.id.kind == Kind::SecurityGroup) {
    Json record = recordOf(owner);
    setGroupRecord(owner.vdc, owner.id.name, &record);
  } else {
    createBridge(owner);
  }
  programFlows(owner.vdc);
}

void OvsSwitch::update(const Ownership& owner, const LiveObject&) {
  if (owner.id.kind == Kind::SecurityGroup) return create(owner);  // the record and the flows are rewritten whole
  std::string name = bridgeName(owner.vdc, owner.id.name);
  db().transact(Json::array(
      {op("update", "Bridge", {{"where", where("name", "==", name)}, {"row", {{"external_ids", bridgeIds(owner)}}}}),
       op("update", "Interface",
          {{"where", where("name", "==", name)},
           {"row", {{"mtu_request", owner.spec.contains("mtu") ? Json(owner.spec["mtu"]) : Json::array({"set", Json::array()})}}}})}));
  programFlows(owner.vdc);
}

void OvsSwitch::remove(const std::string& vdc, const LiveObject& live) {
  if (live.id.kind == Kind::SecurityGroup) {
    setGroupRecord(vdc, live.id.name, nullptr);
    return programFlows(vdc);
  }
  // Not while flows are being programmed: they would be for a bridge that
  // is going away (a group and its network are removed in parallel).
  std::lock_guard lock(flowsMutex_);
  Json found = db().transact(Json::array(
      {op("select", "Bridge", {{"where", where("name", "==", live.physicalName)}, {"columns", Json::array({"_uuid"})}})}));
  if (found[0]["rows"].empty()) return;  // already gone
  // Dropping the root row's reference deletes the bridge, its ports and interfaces.
  db().transact(Json::array({op("mutate", "Open_vSwitch",
                                {{"where", Json::array()},
                                 {"mutations", where("bridges", "delete", uuidOf(found[0]["rows"][0]))}})}));
}

}  // namespace vdc::ovs
