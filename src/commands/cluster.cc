// Cluster commands: RINGKV.HELLO (the peer handshake), CLUSTER INFO / NODES / KEYNODE, and the
// INFO "cluster" section. Without a cluster configured, CLUSTER answers as a Redis without
// cluster support does.

#include <cstdio>

#include "commands/command_table.h"
#include "commands/dispatch.h"
#include "errors.h"
#include "log.h"
#include "routing/router.h"
#include "server_state.h"
#include "storage/key_dump.h"
#include "util.h"

namespace ringkv {
namespace {

Status NoCluster() { return Status::Err("This instance has cluster support disabled"); }

// RINGKV.HELLO <node-id> <fingerprint-hex>: a peer introduces itself. Nodes whose rings differ
// are refused here, before any of their commands can run (DESIGN invariant 2).
Status CmdRingkvHello(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  const ClusterState* cluster = ctx.server.cluster;
  if (cluster == nullptr) {
    return Status::Err("ringkv: node '" + std::string(args[1]) +
                       "' sent a cluster handshake, but this node is not in a cluster");
  }
  if (args[2] != cluster->fingerprint_hex) {
    std::string text = "ringkv: topology mismatch: node " + cluster->Describe(cluster->myself) +
                       " has ring fingerprint " + cluster->fingerprint_hex + " but node '" +
                       std::string(args[1]) + "' has " + std::string(args[2]) +
                       " (cluster-nodes or cluster-vnodes differ)";
    RINGKV_LOG(kWarning, "%s", text.c_str());
    return Status(Code::kClusterDown, text);
  }
  if (cluster->topology.IndexOf(args[1]) < 0) {
    return Status(Code::kClusterDown, "ringkv: node '" + std::string(args[1]) +
                                          "' is not in this node's cluster-nodes");
  }
  if (args.size() == 4) {
    // A connection opened for one blocking command (Router::ForwardBlocking): it may block.
    if (!EqualsIgnoreCase(args[3], "blocking")) return Status::Err(std::string(errors::kSyntax));
    ctx.client.peer_may_block = true;
  } else if (args.size() > 4) {
    return Status::Err(std::string(errors::kSyntax));
  }
  ctx.client.is_peer = true;
  reply->Ok();
  return Status::OK();
}

// RINGKV.IN <db> <command> [arg ...]: a peer runs one command in database <db> (the entry
// node's client had SELECTed it; Router::Forward wraps such commands). The peer connection's
// own database is restored afterwards, so commands of other clients sharing it are unaffected.
Status CmdRingkvIn(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  if (!ctx.client.is_peer) return Status::Err("ringkv: RINGKV.IN is for cluster peers only");
  int64_t db;
  if (!ParseInt64(args[1], &db) || db < 0 || db >= ctx.config().databases) {
    return Status::Err("DB index is out of range");
  }
  ArgList inner(args.begin() + 2, args.end());
  const int saved = ctx.client.db;
  ctx.client.db = static_cast<int>(db);
  DispatchResult r = Dispatch(ctx.server, ctx.client, inner, reply);
  ctx.client.db = saved;
  // A peer neither forwards (no router) nor blocks (blocking.h: MayBlock), so the reply is here.
  if (r != DispatchResult::kDone) return Status::Err("ringkv: RINGKV.IN command did not complete");
  return Status::OK();
}

// RINGKV.DUMPKEY <key>: the key's stored records (storage/key_dump.h) for Router::Gather:
// [qualified key, type, expire_at_ms, payload, element key, element value, ...], or a null
// array when the key does not exist.
Status CmdRingkvDumpKey(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  auto guard = ctx.locks().Lock(args[1]);
  storage::KeyDump dump;
  Status s = storage::DumpKey(ctx.storage(), args[1], &dump);
  if (!s.ok()) return s;
  if (!dump.exists) {
    reply->NullArray();
    return Status::OK();
  }
  reply->ArrayHeader(4 + 2 * dump.elements.size());
  reply->Bulk(dump.qualified_key);
  reply->Integer(static_cast<int64_t>(dump.type));
  reply->Integer(static_cast<int64_t>(dump.expire_at_ms));
  reply->Bulk(dump.payload);
  for (const auto& [k, v] : dump.elements) {
    reply->Bulk(k);
    reply->Bulk(v);
  }
  return Status::OK();
}

std::string ClusterInfoText(const ClusterState& c) {
  Router* router = Router::Current();
  int connected = 0;
  for (int i = 0; i < static_cast<int>(c.topology.nodes.size()); ++i) {
    if (i != c.myself && router != nullptr && router->pool().Stats(i).connected) ++connected;
  }
  std::string out;
  out += "cluster_state:ok\r\n";
  out += "cluster_myself:" + c.topology.myself + "\r\n";
  out += "cluster_known_nodes:" + std::to_string(c.topology.nodes.size()) + "\r\n";
  out += "cluster_size:" + std::to_string(c.topology.nodes.size()) + "\r\n";
  out += "cluster_vnodes:" + std::to_string(c.topology.vnodes) + "\r\n";
  out += "cluster_fingerprint:" + c.fingerprint_hex + "\r\n";
  out += "cluster_peers_connected:" + std::to_string(connected) + "\r\n";
  return out;
}

Status CmdClusterInfo(CommandContext& ctx, const ArgList&, resp::ReplyWriter* reply) {
  if (ctx.server.cluster == nullptr) return NoCluster();
  reply->Verbatim(ClusterInfoText(*ctx.server.cluster));
  return Status::OK();
}

// Redis's CLUSTER NODES line shape (id, address, flags, master, ping, pong, epoch, link), with
// the node's share of the ring in place of slot ranges.
Status CmdClusterNodes(CommandContext& ctx, const ArgList&, resp::ReplyWriter* reply) {
  const ClusterState* c = ctx.server.cluster;
  if (c == nullptr) return NoCluster();
  Router* router = Router::Current();
  std::string out;
  for (int i = 0; i < static_cast<int>(c->topology.nodes.size()); ++i) {
    bool me = i == c->myself;
    bool up = me || (router != nullptr && router->pool().Stats(i).connected);
    long double share = 0;
    for (const auto& r : c->ring.RangesOf(i)) {
      share += static_cast<long double>(r.end - r.start);  // end 0 wraps to 2^64 - start
    }
    char pct[32];
    std::snprintf(pct, sizeof(pct), "%.2f",
                  static_cast<double>(share / 18446744073709551616.0L * 100));
    out += c->node(i).id + " " + c->node(i).Address() + "@0 " + (me ? "myself,master" : "master") +
           " - 0 0 0 " + (up ? "connected" : "disconnected") + " ring-share=" + pct + "%\n";
  }
  reply->Verbatim(out);
  return Status::OK();
}

Status CmdClusterKeyNode(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* reply) {
  const ClusterState* c = ctx.server.cluster;
  if (c == nullptr) return NoCluster();
  int owner = c->OwnerOf(args[2]);
  reply->ArrayHeader(2);
  reply->Bulk(c->node(owner).id);
  reply->Bulk(c->node(owner).Address());
  return Status::OK();
}

Status CmdClusterHelp(CommandContext&, const ArgList&, resp::ReplyWriter* reply) {
  static const char* kLines[] = {"CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
                                 "INFO",
                                 "    Return information about the cluster.",
                                 "NODES",
                                 "    Return this node's view of the ring.",
                                 "KEYNODE <key>",
                                 "    Return the id and address of the node that owns <key>.",
                                 "HELP",
                                 "    Print this help."};
  reply->ArrayHeader(sizeof(kLines) / sizeof(kLines[0]));
  for (const char* l : kLines) reply->Simple(l);
  return Status::OK();
}

CommandSpec Sub(const char* name, int arity, Handler h, std::string_view summary) {
  CommandSpec s;
  s.name = name;
  s.arity = arity;
  s.flags = kCmdLoading | kCmdStale;
  s.handler = h;
  s.group = "cluster";
  s.summary = summary;
  s.since = "3.0.0";
  s.complexity = "O(N) where N is the number of nodes";
  return s;
}

}  // namespace

void AppendClusterInfo(const ServerState& server, std::string* out) {
  const ClusterState* c = server.cluster;
  *out += "ringkv_cluster:" + std::string(c != nullptr ? "1" : "0") + "\r\n";
  if (c == nullptr) return;
  *out += ClusterInfoText(*c);
  for (int i = 0; i < static_cast<int>(c->topology.nodes.size()); ++i) {
    if (i == c->myself) continue;
    const PeerCounters& pc = c->counters[static_cast<size_t>(i)];
    uint64_t n = pc.latency_count.load();
    char line[512];
    std::snprintf(
        line, sizeof(line),
        "peer_%s:addr=%s,forwarded=%llu,errors=%llu,timeouts=%llu,"
        "avg_latency_us=%.1f\r\n",
        c->node(i).id.c_str(), c->node(i).Address().c_str(),
        static_cast<unsigned long long>(pc.forwarded.load()),
        static_cast<unsigned long long>(pc.errors.load()),
        static_cast<unsigned long long>(pc.timeouts.load()),
        n == 0 ? 0.0 : static_cast<double>(pc.latency_us_sum.load()) / static_cast<double>(n));
    *out += line;
  }
}

void RegisterClusterCommands(CommandTable& table) {
  table.Register({"ringkv.hello", -3, kCmdNoScript | kCmdLoading | kCmdStale | kCmdFast, 0, 0, 0,
                  CmdRingkvHello, "cluster",
                  "Peer handshake between ringkv nodes (node id and ring fingerprint).", "0.1.0",
                  "O(1)"});
  table.Register({"ringkv.dumpkey", 2, kCmdReadOnly | kCmdNoScript, 1, 1, 1, CmdRingkvDumpKey,
                  "cluster", "Returns a key's stored records (cluster algebra over nodes).",
                  "0.1.0", "O(N) where N is the number of elements of the key."});
  table.Register({"ringkv.in", -3, kCmdNoScript | kCmdLoading | kCmdStale, 0, 0, 0, CmdRingkvIn,
                  "cluster", "Runs a forwarded command in the entry node client's database.",
                  "0.1.0", "Depends on the command."});
  CommandSpec c{"cluster",
                -2,
                0,
                0,
                0,
                0,
                nullptr,
                "cluster",
                "A container for ringkv cluster commands.",
                "3.0.0",
                "Depends on subcommand."};
  c.subcommands.push_back(
      Sub("cluster|info", 2, CmdClusterInfo, "Returns information about the state of the ring."));
  c.subcommands.push_back(
      Sub("cluster|nodes", 2, CmdClusterNodes, "Returns this node's view of the ring."));
  c.subcommands.push_back(
      Sub("cluster|keynode", 3, CmdClusterKeyNode, "Returns the node that owns a key."));
  c.subcommands.push_back(Sub("cluster|help", 2, CmdClusterHelp,
                              "Returns helpful text about the different subcommands."));
  table.Register(std::move(c));
}

}  // namespace ringkv
