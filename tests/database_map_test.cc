// DatabaseMap (SWAPDB's map) and SWAPDB through the command path.

#include "storage/database_map.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "command_harness.h"
#include "txn/watch.h"

namespace ringkv {
namespace {

class DatabaseMapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ringkv_dbmap_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(DatabaseMapTest, SwapsAreSavedAndReadBack) {
  DatabaseMap m;
  ASSERT_TRUE(m.Load(dir_ + "/DBMAP").ok());  // no file: the identity
  EXPECT_EQ(m.Physical(0), 0);
  EXPECT_EQ(m.Physical(15), 15);
  ASSERT_TRUE(m.Swap(0, 3).ok());
  ASSERT_TRUE(m.Swap(3, 9).ok());
  EXPECT_EQ(m.Physical(0), 3);
  EXPECT_EQ(m.Physical(3), 9);
  EXPECT_EQ(m.Physical(9), 0);
  DatabaseMap again;
  ASSERT_TRUE(again.Load(dir_ + "/DBMAP").ok());
  for (int i = 0; i < DatabaseMap::kMaxDatabases; ++i) EXPECT_EQ(again.Physical(i), m.Physical(i));
}

TEST_F(DatabaseMapTest, MalformedFileIsRefused) {
  {
    std::ofstream out(dir_ + "/DBMAP");
    out << "0 0 1\n";
  }
  DatabaseMap m;
  Status s = m.Load(dir_ + "/DBMAP");
  EXPECT_EQ(s.code(), Code::kCorruption);
  EXPECT_NE(s.message().find("DBMAP"), std::string::npos);
}

TEST(SwapdbTest, SwapsDatabasesWatchesAndErrors) {
  CommandHarness h;
  InstallWatchLayer(&h.server());
  EXPECT_EQ(h.Run({"set", "k", "zero"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"hset", "h", "f", "v"}), ":1\r\n");
  EXPECT_EQ(h.Run({"select", "1"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"set", "k", "one"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"select", "0"}), "+OK\r\n");
  // Another client watches k in db 0; SWAPDB makes its EXEC abort, as in Redis.
  auto other = h.NewClient();
  EXPECT_EQ(h.Run(*other, {"watch", "k"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"swapdb", "0", "1"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"get", "k"}), "$3\r\none\r\n");
  EXPECT_EQ(h.Run({"exists", "h"}), ":0\r\n");
  EXPECT_EQ(h.Run({"select", "1"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"get", "k"}), "$4\r\nzero\r\n");
  EXPECT_EQ(h.Run({"hget", "h", "f"}), "$1\r\nv\r\n");
  EXPECT_EQ(h.Run({"dbsize"}), ":2\r\n");
  EXPECT_EQ(h.Run(*other, {"multi"}), "+OK\r\n");
  EXPECT_EQ(h.Run(*other, {"get", "k"}), "+QUEUED\r\n");
  EXPECT_EQ(h.Run(*other, {"exec"}), "*-1\r\n");
  // Swapping back, and a database with itself.
  EXPECT_EQ(h.Run({"swapdb", "1", "0"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"get", "k"}), "$3\r\none\r\n");
  EXPECT_EQ(h.Run({"swapdb", "2", "2"}), "+OK\r\n");
  // Redis's errors.
  EXPECT_EQ(h.Run({"swapdb", "x", "1"}), "-ERR invalid first DB index\r\n");
  EXPECT_EQ(h.Run({"swapdb", "1", "y"}), "-ERR invalid second DB index\r\n");
  EXPECT_EQ(h.Run({"swapdb", "0", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(h.Run({"swapdb", "-1", "0"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(h.Run({"swapdb", "0"}), "-ERR wrong number of arguments for 'swapdb' command\r\n");
  // MOVE and COPY ... DB follow the map too.
  EXPECT_EQ(h.Run({"swapdb", "0", "5"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"select", "5"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"move", "k", "6"}), ":1\r\n");
  EXPECT_EQ(h.Run({"select", "6"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"get", "k"}), "$4\r\nzero\r\n");
}

}  // namespace
}  // namespace ringkv
