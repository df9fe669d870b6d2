// Connection and server commands, run in-process through the real Dispatch.

#include <gtest/gtest.h>

#include "command_harness.h"

namespace ringkv {
namespace {

TEST(DispatchTest, UnknownCommandAndArityUseRedisTexts) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"nosuch", "a", "b"}),
            "-ERR unknown command 'nosuch', with args beginning with: 'a' 'b' \r\n");
  EXPECT_EQ(h.Run({"nosuch"}), "-ERR unknown command 'nosuch', with args beginning with: \r\n");
  // "%.128s" in Redis stops at a NUL byte.
  EXPECT_EQ(h.Run({std::string("x\0y", 3), std::string("a\0b", 3)}),
            "-ERR unknown command 'x', with args beginning with: 'a' \r\n");
  EXPECT_EQ(h.Run({"GET"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(h.Run({"client", "nosuch"}), "-ERR unknown subcommand 'nosuch'. Try CLIENT HELP.\r\n");
  EXPECT_EQ(h.Run({"client", "id", "extra"}),
            "-ERR wrong number of arguments for 'client|id' command\r\n");
  EXPECT_EQ(h.Run({"client"}), "-ERR wrong number of arguments for 'client' command\r\n");
  // Long arguments are cut as Redis cuts them (128 bytes of list).
  std::string long_arg(200, 'x');
  std::string reply = h.Run({"nosuch", long_arg});
  EXPECT_EQ(reply, "-ERR unknown command 'nosuch', with args beginning with: '" +
                       std::string(128, 'x') + "' \r\n");
}

TEST(DispatchTest, AuthRequiredBeforeOtherCommands) {
  CommandHarness h;
  h.config().requirepass = "secret";
  auto c = h.NewClient();
  EXPECT_FALSE(c->authenticated);
  EXPECT_EQ(h.Run(*c, {"get", "k"}), "-NOAUTH Authentication required.\r\n");
  // Unknown commands and arity errors come before the auth check, as in Redis 7.
  EXPECT_EQ(h.Run(*c, {"get"}), "-ERR wrong number of arguments for 'get' command\r\n");
  EXPECT_EQ(h.Run(*c, {"auth", "wrong"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(h.Run(*c, {"auth", "other", "secret"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  EXPECT_EQ(h.Run(*c, {"auth", "secret"}), "+OK\r\n");
  EXPECT_EQ(h.Run(*c, {"get", "k"}), "$-1\r\n");
  auto d = h.NewClient();
  EXPECT_EQ(h.Run(*d, {"auth", "default", "secret"}), "+OK\r\n");
  EXPECT_EQ(h.Run(*d, {"auth", "a", "b", "c"}), "-ERR syntax error\r\n");
}

TEST(ConnectionCommandsTest, AuthWithoutPasswordConfigured) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"auth", "x"}),
            "-ERR AUTH <password> called without any password configured for the default user. "
            "Are you sure your configuration is correct?\r\n");
  EXPECT_EQ(h.Run({"auth", "default", "anything"}), "+OK\r\n");
}

TEST(ConnectionCommandsTest, PingEchoSelectQuit) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"ping"}), "+PONG\r\n");
  EXPECT_EQ(h.Run({"PING", "hi"}), "$2\r\nhi\r\n");
  EXPECT_EQ(h.Run({"ping", "a", "b"}), "-ERR wrong number of arguments for 'ping' command\r\n");
  EXPECT_EQ(h.Run({"echo", "x y"}), "$3\r\nx y\r\n");
  EXPECT_EQ(h.Run({"select", "0"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"select", "1"}), "+OK\r\n");
  EXPECT_EQ(h.client().db, 1);
  EXPECT_EQ(h.Run({"select", "16"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(h.Run({"select", "-1"}), "-ERR DB index is out of range\r\n");
  EXPECT_EQ(h.Run({"select", "x"}), "-ERR value is not an integer or out of range\r\n");
  EXPECT_FALSE(h.client().close_after_reply);
  EXPECT_EQ(h.Run({"quit"}), "+OK\r\n");
  EXPECT_TRUE(h.client().close_after_reply);
}

TEST(ConnectionCommandsTest, HelloSwitchesProtocolAndAuthenticates) {
  CommandHarness h;
  std::string r3 = h.Run({"hello", "3"});
  EXPECT_EQ(r3.rfind("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
                     "$5\r\nproto\r\n:3\r\n$2\r\nid\r\n",
                     0),
            0u)
      << r3;
  EXPECT_NE(r3.find("$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
                    "$7\r\nmodules\r\n*0\r\n"),
            std::string::npos);
  EXPECT_EQ(h.client().proto, 3);
  EXPECT_EQ(h.Run({"get", "missing"}), "_\r\n");  // RESP3 null from now on
  std::string r2 = h.Run({"hello", "2"});
  EXPECT_EQ(r2.rfind("*14\r\n", 0), 0u);
  EXPECT_EQ(h.Run({"get", "missing"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"hello", "4"}), "-NOPROTO unsupported protocol version\r\n");
  EXPECT_EQ(h.Run({"hello", "x"}), "-ERR Protocol version is not an integer or out of range\r\n");
  EXPECT_EQ(h.Run({"hello", "3", "auth", "default"}),
            "-ERR Syntax error in HELLO option 'auth'\r\n");
  EXPECT_EQ(h.Run({"hello", "3", "setname", "a b"}),
            "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
  EXPECT_EQ(h.client().proto, 2);  // failed HELLO changes nothing

  h.config().requirepass = "pw";
  auto c = h.NewClient();
  EXPECT_EQ(h.Run(*c, {"hello", "3"}),
            "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
            "the RESP protocol version at the same time\r\n");
  EXPECT_EQ(h.Run(*c, {"hello", "3", "auth", "default", "bad"}),
            "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
  std::string ok = h.Run(*c, {"hello", "3", "auth", "default", "pw", "setname", "me"});
  EXPECT_EQ(ok.rfind("%7\r\n", 0), 0u);
  EXPECT_TRUE(c->authenticated);
  EXPECT_EQ(h.Run(*c, {"client", "getname"}), "$2\r\nme\r\n");
}

TEST(ConnectionCommandsTest, ClientSubcommands) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"client", "id"}), ":" + std::to_string(h.client().id) + "\r\n");
  EXPECT_EQ(h.Run({"client", "getname"}), "$-1\r\n");
  EXPECT_EQ(h.Run({"client", "setname", "worker-1"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"client", "getname"}), "$8\r\nworker-1\r\n");
  EXPECT_EQ(h.Run({"client", "setinfo", "lib-name", "redis-py"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"client", "setinfo", "lib-ver", "8.0"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"client", "setinfo", "other", "x"}), "-ERR Unrecognized option 'other'\r\n");
  std::string info = h.Run({"client", "info"});
  EXPECT_NE(info.find("name=worker-1"), std::string::npos);
  EXPECT_NE(info.find("lib-name=redis-py lib-ver=8.0"), std::string::npos);
  EXPECT_NE(info.find("cmd=client|info"), std::string::npos);
  EXPECT_NE(h.Run({"client", "list"}).find("id=" + std::to_string(h.client().id)),
            std::string::npos);
  EXPECT_EQ(h.Run({"client", "list", "type", "bogus"}), "-ERR Unknown client type 'bogus'\r\n");
  EXPECT_EQ(h.Run({"client", "kill", "1.2.3.4:5"}), "-ERR No such client\r\n");
  EXPECT_EQ(h.Run({"client", "kill", "id"}), "-ERR No such client\r\n");  // the old form
  EXPECT_EQ(h.Run({"client", "kill", "a", "b", "c"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"client", "kill", "id", "999999"}), ":0\r\n");
}

TEST(ConnectionCommandsTest, ClientKillMarksOtherClients) {
  CommandHarness h;
  auto other = h.NewClient();
  int woken = 0;
  h.server().clients.Add(other.get(), [&] { ++woken; });
  EXPECT_EQ(h.Run({"client", "kill", "id", std::to_string(other->id)}), ":1\r\n");
  EXPECT_TRUE(other->kill_requested.load());
  EXPECT_EQ(woken, 1);
  h.server().clients.Remove(other.get());
}

TEST(ServerCommandsTest, CommandReflectsTheTable) {
  CommandHarness h;
  std::string count = h.Run({"command", "count"});
  int64_t n = std::stoll(count.substr(1));
  EXPECT_EQ(static_cast<size_t>(n), h.server().table->all().size());
  EXPECT_GT(n, 50);
  std::string info = h.Run({"command", "info", "get", "nosuch"});
  EXPECT_EQ(info.rfind("*2\r\n*10\r\n$3\r\nget\r\n:2\r\n", 0), 0u) << info;
  EXPECT_EQ(info.substr(info.size() - 5), "$-1\r\n");  // Redis 7.0: a null bulk, not *-1
  std::string docs = h.Run({"command", "docs", "get"});
  EXPECT_EQ(docs.rfind("*2\r\n$3\r\nget\r\n*8\r\n$7\r\nsummary\r\n", 0), 0u) << docs;
  std::string list = h.Run({"command", "list", "filterby", "pattern", "client|*"});
  EXPECT_NE(list.find("client|setname"), std::string::npos);
  EXPECT_EQ(list.find("$3\r\nget\r\n"), std::string::npos);
  EXPECT_EQ(h.Run({"command", "getkeys", "mset", "a", "1", "b", "2"}),
            "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  h.SetProto(3);
  EXPECT_EQ(h.Run({"command", "docs", "get"}).rfind("%1\r\n$3\r\nget\r\n%4\r\n", 0), 0u);
}

TEST(ServerCommandsTest, ConfigGetSet) {
  CommandHarness h;
  EXPECT_EQ(h.Run({"config", "get", "maxclients"}), "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n");
  EXPECT_EQ(h.Run({"config", "get", "MAXCLIENTS"}),  // echoed as typed, like Redis 7.0
            "*2\r\n$10\r\nMAXCLIENTS\r\n$5\r\n10000\r\n");
  EXPECT_EQ(h.Run({"config", "set", "maxclients", "100"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"config", "get", "maxclients"}), "*2\r\n$10\r\nmaxclients\r\n$3\r\n100\r\n");
  EXPECT_EQ(h.Run({"config", "set", "maxclients"}),
            "-ERR wrong number of arguments for 'config|set' command\r\n");
  EXPECT_EQ(h.Run({"config", "set", "maxclients", "1", "timeout"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"config", "get", "save", "appendonly"}),
            "*4\r\n$4\r\nsave\r\n$0\r\n\r\n$10\r\nappendonly\r\n$3\r\nyes\r\n");
  h.SetProto(3);
  EXPECT_EQ(h.Run({"config", "get", "timeout"}), "%1\r\n$7\r\ntimeout\r\n$1\r\n0\r\n");
}

TEST(ServerCommandsTest, InfoSectionsAndKeyspace) {
  CommandHarness h;
  std::string all = h.Run({"info"});
  for (const char* s : {"# Server", "# Clients", "# Memory", "# Persistence", "# Stats",
                        "# Replication", "# CPU", "# Keyspace", "loading:0", "redis_version:"}) {
    EXPECT_NE(all.find(s), std::string::npos) << s;
  }
  EXPECT_EQ(all.find("# Commandstats"), std::string::npos);
  EXPECT_EQ(all.find("db0:"), std::string::npos);  // empty keyspace prints no db line
  ASSERT_EQ(h.Run({"set", "a", "1"}), "+OK\r\n");
  ASSERT_EQ(h.Run({"set", "b", "1", "ex", "100"}), "+OK\r\n");
  EXPECT_NE(h.Run({"info", "keyspace"}).find("db0:keys=2,expires=1,avg_ttl=0\r\n"),
            std::string::npos);
  std::string stats = h.Run({"info", "commandstats"});
  EXPECT_NE(stats.find("cmdstat_set:calls=2,"), std::string::npos) << stats;
  EXPECT_EQ(stats.find("# Server"), std::string::npos);
  h.SetProto(3);
  EXPECT_EQ(h.Run({"info", "server"}).rfind("=", 0), 0u);  // verbatim string in RESP3
}

TEST(ServerCommandsTest, TimeLastSaveSaveShutdown) {
  CommandHarness h;
  std::string t = h.Run({"time"});
  EXPECT_EQ(t.rfind("*2\r\n$10\r\n", 0), 0u) << t;
  EXPECT_EQ(h.Run({"save"}), "+OK\r\n");
  EXPECT_EQ(h.Run({"bgsave"}), "+Background saving started\r\n");
  EXPECT_EQ(h.Run({"bgsave", "x"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"bgsave", "schedule", "x"}), "-ERR syntax error\r\n");
  EXPECT_EQ(h.Run({"lastsave"}).front(), ':');
  // No shutdown hook in-process: the error Redis gives when it cannot shut down.
  EXPECT_EQ(h.Run({"shutdown"}), "-ERR Errors trying to SHUTDOWN. Check logs.\r\n");
  bool called = false;
  h.server().request_shutdown = [&] { called = true; };
  EXPECT_EQ(h.Run({"shutdown", "nosave"}), "");
  EXPECT_TRUE(called);
}

}  // namespace
}  // namespace ringkv
