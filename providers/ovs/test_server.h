// A scratch ovsdb-server with Open vSwitch's own schema for each test, as
// `ovs-vsctl init` leaves it (no ovs-vswitchd: the database alone).
#pragma once

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "engine/test_support.h"
#include "providers/ovs/ovsdb.h"

namespace vdc::ovs {

class OvsdbServer : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string db = (dir.path() / "conf.db").string();
    socket = (dir.path() / "db.sock").string();
    ASSERT_EQ(std::system(("ovsdb-tool create " + db + " /usr/share/openvswitch/vswitch.ovsschema").c_str()), 0);
    std::string pidfile = (dir.path() / "ovsdb.pid").string();
    ASSERT_EQ(std::system(("ovsdb-server " + db + " --remote=punix:" + socket + " --pidfile=" + pidfile +
                           " --unixctl=" + (dir.path() / "ctl").string() +  // not under /var/run/openvswitch
                           " --detach --no-chdir -vconsole:off --log-file=" + (dir.path() / "log").string())
                              .c_str()),
              0);
    std::ifstream(pidfile) >> pid;
    ASSERT_GT(pid, 0);
    // The root row, as `ovs-vsctl init` makes it.
    Ovsdb(socket).transact(Json::array({Json{{"op", "insert"}, {"table", "Open_vSwitch"}, {"row", Json::object()}}}));
  }
  void TearDown() override {
    if (pid > 0) kill(pid, SIGTERM);
  }

  testing::TempDir dir;
  std::string socket;
  pid_t pid = 0;
};

}  // namespace vdc::ovs
