#include "config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

namespace ringkv {
namespace {

Status LoadArgs(Config* c, std::vector<std::string> args) {
  std::vector<char*> argv;
  static char prog[] = "ringkv-server";
  argv.push_back(prog);
  for (auto& a : args) argv.push_back(a.data());
  return c->LoadFromArgs(static_cast<int>(argv.size()), argv.data());
}

TEST(ConfigTest, DefaultsMatchRedis) {
  Config c;
  EXPECT_EQ(c.port, 6379);
  EXPECT_EQ(c.proto_max_bulk_len.load(), 512LL * 1024 * 1024);
  EXPECT_EQ(c.client_query_buffer_limit.load(), 1024LL * 1024 * 1024);
  EXPECT_EQ(c.maxclients.load(), 10000);
  EXPECT_TRUE(c.protected_mode.load());
  EXPECT_EQ(c.appendfsync, "everysec");
  auto bind = c.Get({"bind"});
  ASSERT_EQ(bind.size(), 1u);
  EXPECT_EQ(bind[0].second, "127.0.0.1 -::1");
}

TEST(ConfigTest, CommandLineOptionsApplyAfterFile) {
  char path[] = "/tmp/ringkv_config_testXXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  std::ofstream(path) << "# comment\nport 7000\nmaxclients 50\nrequirepass \"with space\"\n"
                      << "client-output-buffer-limit normal 1mb 512kb 10\n";
  Config c;
  ASSERT_TRUE(LoadArgs(&c, {path, "--port", "7001", "--bind", "127.0.0.1", "::1"}).ok());
  EXPECT_EQ(c.port, 7001);
  EXPECT_EQ(c.maxclients.load(), 50);
  EXPECT_EQ(c.RequirePass(), "with space");
  EXPECT_EQ(c.bind, (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(c.output_limit_normal.hard, 1024 * 1024);
  EXPECT_EQ(c.output_limit_normal.soft, 512 * 1024);
  EXPECT_EQ(c.output_limit_normal.soft_seconds, 10);
  EXPECT_FALSE(c.config_file.empty());
  std::remove(path);
}

TEST(ConfigTest, EmptyValueSurvivesCommandLine) {
  Config c;
  ASSERT_TRUE(LoadArgs(&c, {"--requirepass", ""}).ok());
  EXPECT_EQ(c.RequirePass(), "");
}

TEST(ConfigTest, BadDirectiveIsFatalWithLine) {
  Config c;
  Status st = c.LoadString("port 1\nnosuchthing 1\n");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("at line 2"), std::string::npos);
  EXPECT_NE(st.message().find("Bad directive or wrong number of arguments"), std::string::npos);
  EXPECT_FALSE(c.LoadString("port notanumber\n").ok());
  EXPECT_FALSE(c.LoadString("appendfsync sometimes\n").ok());
  EXPECT_FALSE(c.LoadString("daemonize yes\n").ok());
}

TEST(ConfigTest, GetMatchesGlobPatterns) {
  Config c;
  auto pairs = c.Get({"*max*"});
  std::vector<std::string> names;
  for (auto& p : pairs) names.push_back(p.first);
  EXPECT_NE(std::find(names.begin(), names.end(), "maxclients"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "proto-max-bulk-len"), names.end());
  EXPECT_EQ(std::find(names.begin(), names.end(), "port"), names.end());
  EXPECT_TRUE(c.Get({"nosuch"}).empty());
  // Several patterns, each parameter once.
  EXPECT_EQ(c.Get({"port", "port", "p*"}).size(), c.Get({"p*"}).size());
}

TEST(ConfigTest, SetIsAtomicAndChecksEachParameter) {
  Config c;
  ASSERT_TRUE(c.Set({{"maxclients", "77"}, {"timeout", "5"}}).ok());
  EXPECT_EQ(c.maxclients.load(), 77);
  EXPECT_EQ(c.timeout.load(), 5);

  Status st = c.Set({{"maxclients", "10"}, {"timeout", "abc"}});
  EXPECT_EQ(st.message(),
            "CONFIG SET failed (possibly related to argument 'timeout') - argument couldn't be "
            "parsed into an integer");
  EXPECT_EQ(c.maxclients.load(), 77);  // nothing applied

  st = c.Set({{"nosuch", "1"}});
  EXPECT_EQ(st.message(), "Unknown option or number of arguments for CONFIG SET - 'nosuch'");
  st = c.Set({{"port", "1234"}});
  EXPECT_EQ(st.message(),
            "CONFIG SET failed (possibly related to argument 'port') - can't set immutable config");
  st = c.Set({{"appendfsync", "sometimes"}});
  EXPECT_EQ(st.message(),
            "CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be "
            "one of the following: everysec, always, no");
  ASSERT_TRUE(c.Set({{"proto-max-bulk-len", "1mb"}}).ok());
  EXPECT_EQ(c.proto_max_bulk_len.load(), 1024 * 1024);
}

}  // namespace
}  // namespace ringkv
