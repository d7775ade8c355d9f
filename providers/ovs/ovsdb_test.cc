// The OVSDB client against a real ovsdb-server with Open vSwitch's own
// schema, started in a scratch directory for each test.
#include "providers/ovs/ovsdb.h"

#include <gtest/gtest.h>

#include "providers/ovs/test_server.h"

namespace vdc::ovs {

namespace {

Json insertBridge(const std::string& name) {
  Json interface = {{"name", name}, {"type", "internal"}};
  Json port = {{"name", name}, {"interfaces", namedUuid("i")}};
  Json bridge = {{"name", name}, {"ports", namedUuid("p")}, {"external_ids", ovsMap({{"vdc-vdc", "shop"}})}};
  return Json::array({Json{{"op", "insert"}, {"table", "Interface"}, {"row", interface}, {"uuid-name", "i"}},
                      Json{{"op", "insert"}, {"table", "Port"}, {"row", port}, {"uuid-name", "p"}},
                      Json{{"op", "insert"}, {"table", "Bridge"}, {"row", bridge}, {"uuid-name", "b"}},
                      // Bridges not named by the root row are dropped at commit.
                      Json{{"op", "mutate"},
                           {"table", "Open_vSwitch"},
                           {"where", Json::array()},
                           {"mutations", Json::array({Json::array({"bridges", "insert", namedUuid("b")})})}}});
}

}  // namespace

TEST_F(OvsdbServer, ListsItsDatabases) {
  Ovsdb ovsdb(socket);
  Json databases = ovsdb.call("list_dbs", Json::array());
  EXPECT_NE(std::find(databases.begin(), databases.end(), "Open_vSwitch"), databases.end()) << databases.dump();
}

TEST_F(OvsdbServer, WritesAndReadsRowsInOneTransaction) {
  Ovsdb ovsdb(socket);
  ovsdb.transact(insertBridge("vtest0"));
  Json select = {{"op", "select"},
                 {"table", "Bridge"},
                 {"where", Json::array({Json::array({"external_ids", "includes", ovsMap({{"vdc-vdc", "shop"}})})})},
                 {"columns", Json::array({"name", "external_ids"})}};
  Json rows = ovsdb.transact(Json::array({select}))[0]["rows"];
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["name"], "vtest0");
  EXPECT_EQ(fromOvsMap(rows[0]["external_ids"]), (std::map<std::string, std::string>{{"vdc-vdc", "shop"}}));
}

TEST_F(OvsdbServer, AFailedOperationIsAnErrorAndChangesNothing) {
  Ovsdb ovsdb(socket);
  Json operations = insertBridge("vtest1");
  operations.push_back(Json{{"op", "insert"}, {"table", "NoSuchTable"}, {"row", Json::object()}});
  try {
    ovsdb.transact(operations);
    FAIL() << "the transaction was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("NoSuchTable"), std::string::npos) << e.what();
  }
  Json select = {{"op", "select"}, {"table", "Bridge"}, {"where", Json::array()}};
  Json rows = ovsdb.transact(Json::array({select}))[0]["rows"];
  EXPECT_TRUE(rows.empty()) << rows.dump();
}

TEST(Ovsdb, NoServerIsAClearError) {
  EXPECT_THROW(Ovsdb("unix:/nonexistent/db.sock"), Error);
}

}  // namespace vdc::ovs
