// Routing through a real 3-node cluster in one process: each node is a full Server on a free
// loopback port, peers talk over real sockets. Pins DESIGN invariants 1-4, 7 and 8.

#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "cluster/key_hash.h"
#include "cluster/ring.h"
#include "cluster/topology.h"
#include "test_server.h"

namespace ringkv {
namespace {

// A sync hiredis client that frees itself.
class Client {
 public:
  explicit Client(int port) : c_(redisConnect("127.0.0.1", port)) {
    EXPECT_TRUE(c_ != nullptr && c_->err == 0);
  }
  ~Client() { redisFree(c_); }
  // The reply flattened to text: strings as is, integers as digits, nil as "(nil)", errors as
  // "ERR: <text>", arrays as their elements joined by ','.
  std::string Run(const std::vector<std::string>& argv) {
    std::vector<const char*> ptrs;
    std::vector<size_t> lens;
    for (const auto& a : argv) {
      ptrs.push_back(a.data());
      lens.push_back(a.size());
    }
    auto* r = static_cast<redisReply*>(
        redisCommandArgv(c_, static_cast<int>(argv.size()), ptrs.data(), lens.data()));
    if (r == nullptr) return "IOERR";
    std::string out = Flatten(r);
    freeReplyObject(r);
    return out;
  }

 private:
  static std::string Flatten(const redisReply* r) {
    switch (r->type) {
      case REDIS_REPLY_STRING:
      case REDIS_REPLY_STATUS:
        return std::string(r->str, r->len);
      case REDIS_REPLY_ERROR:
        return "ERR: " + std::string(r->str, r->len);
      case REDIS_REPLY_INTEGER:
        return std::to_string(r->integer);
      case REDIS_REPLY_NIL:
        return "(nil)";
      case REDIS_REPLY_ARRAY: {
        std::string out;
        for (size_t i = 0; i < r->elements; ++i) out += (i ? "," : "") + Flatten(r->element[i]);
        return out;
      }
    }
    return "?";
  }
  redisContext* c_;
};

class ClusterTest : public ::testing::Test {
 protected:
  static constexpr int kNodes = 3;

  void SetUp() override {
    for (int i = 0; i < kNodes; ++i) ports_.push_back(FreePort());
    for (int i = 0; i < kNodes; ++i) {
      nodes_ += (i ? "," : "") + Id(i) + "@127.0.0.1:" + std::to_string(ports_[i]);
    }
    std::string err;
    ASSERT_TRUE(cluster::ParseTopology(Id(0), nodes_, 256, &topology_, &err)) << err;
    ring_ = cluster::Ring(topology_);
    for (int i = 0; i < kNodes; ++i) StartNode(i);
    WaitUntilConnected();
  }

  // Nodes start one after another, so the first ones' pools see the others refuse at first and
  // retry with backoff. Wait until each worker of each node reaches every other node (several
  // connections per node land on both of its workers).
  void WaitUntilConnected() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (int n = 0; n < kNodes; ++n) {
      for (int attempt = 0; attempt < 8; ++attempt) {
        Client c(ports_[n]);
        for (int other = 0; other < kNodes; ++other) {
          while (c.Run({"get", KeyOn(other)}).rfind("ERR", 0) == 0) {
            ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "cluster never connected";
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
          }
        }
      }
    }
  }

  static std::string Id(int i) { return "n" + std::to_string(i + 1); }

  void StartNode(int i, const std::string& nodes_override = "") {
    servers_.resize(kNodes);
    servers_[i] = std::make_unique<LoopbackServer>(
        Options{{"port", std::to_string(ports_[i])},
                {"cluster-myself", Id(i)},
                {"cluster-nodes", nodes_override.empty() ? nodes_ : nodes_override},
                {"cluster-forward-timeout", "500"}});
  }

  int Owner(const std::string& key) { return ring_.OwnerOfKey(key); }
  // The first key "<prefix><n>" owned by node `node`.
  std::string KeyOn(int node, const std::string& prefix = "k") {
    for (int n = 0;; ++n) {
      std::string k = prefix + std::to_string(n);
      if (Owner(k) == node) return k;
    }
  }

  std::vector<int> ports_;
  std::string nodes_;
  cluster::Topology topology_;
  cluster::Ring ring_;
  std::vector<std::unique_ptr<LoopbackServer>> servers_;
};

TEST_F(ClusterTest, KeysWrittenThroughOneNodeAreReadableThroughEvery) {
  Client w(ports_[0]);
  for (int i = 0; i < 300; ++i) {
    ASSERT_EQ(w.Run({"set", "key" + std::to_string(i), "v" + std::to_string(i)}), "OK");
  }
  for (int n = 0; n < kNodes; ++n) {
    Client r(ports_[n]);
    for (int i = 0; i < 300; i += 7) {
      EXPECT_EQ(r.Run({"get", "key" + std::to_string(i)}), "v" + std::to_string(i));
    }
    // Each key is stored once, on its owner: the nodes' local counts add up to 300.
    EXPECT_EQ(r.Run({"dbsize"}), "300");
  }
  int total = 0;
  for (int n = 0; n < kNodes; ++n) {
    Client r(ports_[n]);
    std::string info = r.Run({"info", "keyspace"});
    size_t at = info.find("db0:keys=");
    ASSERT_NE(at, std::string::npos) << "node " << n << " holds no key";
    total += std::stoi(info.substr(at + 9));
  }
  EXPECT_EQ(total, 300);
}

// Invariant 1: replies come back in request order however the pipeline mixes local,
// forwarded and fanned-out commands.
TEST_F(ClusterTest, PipelineOfLocalRemoteAndFanOutKeepsOrder) {
  int fd = Connect(ports_[0]);
  std::string req, expect;
  std::map<std::string, int> counts;
  for (int i = 0; i < 3000; ++i) {
    std::string k = "c" + std::to_string(i % 40);
    req += "INCR " + k + "\r\n";
    expect += ":" + std::to_string(++counts[k]) + "\r\n";
    if (i % 50 == 0) {
      req += "PING\r\n";
      expect += "+PONG\r\n";
    }
    if (i % 97 == 0) {
      req += "MGET c1 c2 nosuch c3\r\n";
      auto bulk = [&](const std::string& key) {
        auto it = counts.find(key);
        if (it == counts.end()) return std::string("$-1\r\n");
        std::string v = std::to_string(it->second);
        return "$" + std::to_string(v.size()) + "\r\n" + v + "\r\n";
      };
      expect += "*4\r\n" + bulk("c1") + bulk("c2") + "$-1\r\n" + bulk("c3");
    }
  }
  SendAll(fd, req);
  EXPECT_EQ(ReadFor(fd, expect.size(), 10000), expect);
  close(fd);
}

TEST_F(ClusterTest, MultiKeyCommandsFanOutAndMergeInKeyOrder) {
  Client c(ports_[1]);
  std::vector<std::string> mset = {"mset"};
  std::vector<std::string> keys;
  std::set<int> owners;
  for (int i = 0; i < 30; ++i) {
    keys.push_back("m" + std::to_string(i));
    owners.insert(Owner(keys.back()));
    mset.push_back(keys.back());
    mset.push_back("val" + std::to_string(i));
  }
  ASSERT_EQ(owners.size(), 3u);  // the keys really span every node
  EXPECT_EQ(c.Run(mset), "OK");
  std::vector<std::string> mget = {"mget"};
  std::string expect;
  for (int i = 29; i >= 0; i -= 2) {
    mget.push_back(keys[i]);
    expect += (expect.empty() ? "" : ",") + std::string("val") + std::to_string(i);
    mget.push_back("absent" + std::to_string(i));
    expect += ",(nil)";
  }
  EXPECT_EQ(c.Run(mget), expect);
  EXPECT_EQ(c.Run({"exists", keys[0], keys[0], keys[1], "absent"}), "3");
  EXPECT_EQ(c.Run({"touch", keys[2], keys[3], "absent"}), "2");
  EXPECT_EQ(c.Run({"del", keys[0], keys[1], keys[2], "absent"}), "3");
  EXPECT_EQ(c.Run({"unlink", keys[3], keys[4]}), "2");
  EXPECT_EQ(c.Run({"mget", keys[0], keys[5]}), "(nil),val5");
}

// Invariant 7: atomic multi-key commands run only when all keys share a node.
TEST_F(ClusterTest, AtomicMultiKeyCommandsAnswerCrossSlotAcrossNodes) {
  Client c(ports_[0]);
  std::string a = KeyOn(0), b = KeyOn(1);
  const std::string kCross = "ERR: CROSSSLOT Keys in request don't hash to the same slot";
  EXPECT_EQ(c.Run({"msetnx", a, "1", b, "2"}), kCross);
  EXPECT_EQ(c.Run({"set", a, "1"}), "OK");
  EXPECT_EQ(c.Run({"rename", a, b}), kCross);
  EXPECT_EQ(c.Run({"renamenx", a, b}), kCross);
  EXPECT_EQ(c.Run({"get", b}), "(nil)");  // nothing ran
  // {tag} puts keys together, on whichever node owns the tag, even a remote one.
  std::string tag = KeyOn(2, "tag");
  std::string t1 = "{" + tag + "}x", t2 = "{" + tag + "}y";
  ASSERT_EQ(Owner(t1), 2);
  EXPECT_EQ(c.Run({"msetnx", t1, "1", t2, "2"}), "1");
  EXPECT_EQ(c.Run({"rename", t1, "{" + tag + "}z"}), "OK");
  EXPECT_EQ(c.Run({"mget", "{" + tag + "}z", t2}), "1,2");
}

// Invariant 8: whole-keyspace commands answer for the cluster; a SCAN cursor walks every node.
TEST_F(ClusterTest, WholeKeyspaceCommandsCoverEveryNode) {
  Client c(ports_[2]);
  std::set<std::string> written;
  for (int i = 0; i < 500; ++i) {
    std::string k = "s" + std::to_string(i);
    written.insert(k);
    ASSERT_EQ(c.Run({"set", k, "x"}), "OK");
  }
  // A {tag} group larger than COUNT is never split across calls and never repeated.
  for (int i = 0; i < 40; ++i) {
    std::string k = "{grp}" + std::to_string(i);
    written.insert(k);
    ASSERT_EQ(c.Run({"set", k, "x"}), "OK");
  }
  EXPECT_EQ(c.Run({"dbsize"}), std::to_string(written.size()));
  std::string keys = c.Run({"keys", "s1*"});
  EXPECT_EQ(std::count(keys.begin(), keys.end(), ',') + 1, 111);  // s1, s10-19, s100-199
  for (int count : {1, 10, 1000}) {
    std::multiset<std::string> seen;
    std::string cursor = "0";
    int calls = 0;
    do {
      Client scan(ports_[calls % kNodes]);  // any node continues any cursor
      std::string reply = scan.Run({"scan", cursor, "count", std::to_string(count)});
      ASSERT_EQ(reply.rfind("ERR", 0), std::string::npos) << reply;
      size_t comma = reply.find(',');
      cursor = reply.substr(0, comma);
      std::string rest = comma == std::string::npos ? "" : reply.substr(comma + 1);
      size_t pos = 0;
      while (!rest.empty() && pos <= rest.size()) {
        size_t next = rest.find(',', pos);
        seen.insert(rest.substr(pos, next == std::string::npos ? std::string::npos : next - pos));
        if (next == std::string::npos) break;
        pos = next + 1;
      }
      ASSERT_LT(++calls, 20000);
    } while (cursor != "0");
    EXPECT_EQ(seen.size(), written.size()) << "count " << count;
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), written) << "count " << count;
  }
  std::string rk = c.Run({"randomkey"});
  EXPECT_EQ(written.count(rk), 1u) << rk;
  EXPECT_EQ(c.Run({"flushall"}), "OK");
  for (int n = 0; n < kNodes; ++n) EXPECT_EQ(Client(ports_[n]).Run({"dbsize"}), "0");
  EXPECT_EQ(c.Run({"randomkey"}), "(nil)");
}

// A SCAN call hands the walk from node to node, so a small keyspace answers in one call, as
// Redis does (a cursor per ring range would need hundreds of empty calls).
TEST_F(ClusterTest, SmallKeyspaceScansInOneCall) {
  Client c(ports_[1]);
  EXPECT_EQ(c.Run({"scan", "0"}), "0,");  // empty cluster: cursor 0 and no keys, in one call
  for (int n = 0; n < kNodes; ++n) ASSERT_EQ(c.Run({"set", KeyOn(n), "v"}), "OK");
  std::string reply = c.Run({"scan", "0", "count", "10"});
  EXPECT_EQ(reply.substr(0, 2), "0,") << reply;
  EXPECT_EQ(std::count(reply.begin(), reply.end(), ','), kNodes) << reply;
  EXPECT_EQ(c.Run({"scan", "0", "count", "0"}), "ERR: ERR syntax error");
  EXPECT_EQ(c.Run({"scan", "x"}), "ERR: ERR invalid cursor");
  EXPECT_EQ(c.Run({"scan", "18446744073709551615"}), "0,");  // past the last node
}

// Invariant 3: a peer that is down gives an error naming it, quickly, and the client's
// connection keeps working; the pool heals when the peer is back.
TEST_F(ClusterTest, PeerDownGivesBoundedErrorsAndHeals) {
  Client c(ports_[0]);
  std::string local = KeyOn(0), remote = KeyOn(2);
  ASSERT_EQ(c.Run({"set", local, "l"}), "OK");
  ASSERT_EQ(c.Run({"set", remote, "r"}), "OK");
  servers_[2]->Stop();
  for (int i = 0; i < 3; ++i) {
    auto start = std::chrono::steady_clock::now();
    std::string reply = c.Run({"get", remote});
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - start)
                  .count();
    EXPECT_EQ(reply.rfind("ERR: ", 0), 0u) << reply;
    EXPECT_NE(reply.find("n3 (127.0.0.1:" + std::to_string(ports_[2]) + ")"), std::string::npos)
        << reply;
    EXPECT_LT(ms, 500 + 300);
    EXPECT_EQ(c.Run({"get", local}), "l");  // local keys unaffected, connection usable
  }
  // A fan-out with a dead part fails as a whole.
  EXPECT_EQ(c.Run({"mget", local, remote}).rfind("ERR: ", 0), 0u);
  EXPECT_EQ(c.Run({"set", remote, "written-while-down"}).rfind("ERR: ", 0), 0u);
  EXPECT_EQ(Client(ports_[1]).Run({"dbsize"}).rfind("ERR: ", 0), 0u);

  StartNode(2);  // same port; a fresh data dir
  std::string reply;
  auto back = std::chrono::steady_clock::now();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    reply = c.Run({"set", remote, "back"});
    if (reply == "OK") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(reply, "OK");
  std::printf("pool recovered %lld ms after the peer came back\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - back)
                                         .count()));
  WaitUntilConnected();
  EXPECT_EQ(Client(ports_[1]).Run({"get", remote}), "back");
}

// Invariant 4: a client that disconnects while its forwards are in flight frees nothing a
// later callback touches (run under ASan to see a violation as a crash).
TEST_F(ClusterTest, ClientGoneWithForwardsInFlight) {
  std::string remote1 = KeyOn(1), remote2 = KeyOn(2);
  for (int round = 0; round < 20; ++round) {
    int fd = Connect(ports_[0]);
    std::string req;
    for (int i = 0; i < 200; ++i) req += "INCR " + (i % 2 ? remote1 : remote2) + "\r\n";
    req += "MGET " + remote1 + " " + remote2 + "\r\n";
    SendAll(fd, req);
    close(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  Client c(ports_[0]);
  EXPECT_EQ(c.Run({"ping"}), "PONG");
  EXPECT_NE(c.Run({"get", remote1}), "IOERR");
}

// Invariant 2: a command that arrives from a peer runs where it lands; a node that does not
// own its key answers an error and never forwards it again.
TEST_F(ClusterTest, PeerCommandsAreNeverForwardedAgain) {
  Client probe(ports_[0]);
  std::string info = probe.Run({"info", "cluster"});
  size_t at = info.find("cluster_fingerprint:");
  ASSERT_NE(at, std::string::npos);
  std::string fp = info.substr(at + 20, 16);
  Client peer(ports_[0]);
  EXPECT_EQ(peer.Run({"ringkv.hello", "n2", "0000000000000000"})
                .rfind("ERR: CLUSTERDOWN ringkv: topology mismatch", 0),
            0u);
  EXPECT_EQ(peer.Run({"ringkv.hello", "n2", fp}), "OK");
  std::string reply = peer.Run({"get", KeyOn(1)});
  EXPECT_EQ(reply.rfind("ERR: CLUSTERDOWN ringkv: key '", 0), 0u) << reply;
  EXPECT_NE(reply.find("not forwarding again"), std::string::npos);
  EXPECT_EQ(peer.Run({"set", KeyOn(0), "v"}), "OK");  // its own keys run here
}

// Two nodes whose cluster-nodes lists differ refuse each other at the handshake: the client
// gets an error naming the mismatch, never a hang or a loop.
TEST_F(ClusterTest, MismatchedTopologyIsRefusedAtHandshake) {
  servers_[2]->Stop();
  StartNode(2, nodes_ + ",n4@127.0.0.1:1");  // n3 now believes in a fourth node
  Client c(ports_[0]);
  std::string reply;
  for (int i = 0; i < 20; ++i) {
    reply = c.Run({"get", KeyOn(2)});
    if (reply.find("topology mismatch") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(reply.find("topology mismatch"), std::string::npos) << reply;
  EXPECT_NE(reply.find("n3"), std::string::npos) << reply;
}

}  // namespace
}  // namespace ringkv
