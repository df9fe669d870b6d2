// Router: see router.h for the rules. How a fan-out works: the client's reply slot is reserved
// first (Defer), then the local part runs synchronously through the real handler and each
// remote part goes out through the pool; every part's reply is parsed into a ReplyValue and,
// when the last one is in, merged by the command's rule and delivered in the client's protocol.
// Sub-requests always ask peers for RESP2 (what the pool's connections speak).

#include "router.h"

#include <chrono>
#include <random>

#include "dispatch.h"
#include "errors.h"
#include "log.h"
#include "resp/reply_reader.h"
#include "util.h"

namespace ringkv {
namespace {

thread_local Router* g_current = nullptr;

enum class Merge { kNone, kMget, kOk, kSum, kConcat, kRandom };

// How the replies of a fanned-out command combine into one.
Merge MergeRule(std::string_view name) {
  if (name == "mget") return Merge::kMget;
  if (name == "mset" || name == "flushdb" || name == "flushall") return Merge::kOk;
  if (name == "del" || name == "unlink" || name == "exists" || name == "touch" || name == "dbsize")
    return Merge::kSum;
  if (name == "keys") return Merge::kConcat;
  if (name == "randomkey") return Merge::kRandom;
  return Merge::kNone;
}

std::string ErrorReply(std::string_view text) {
  std::string out;
  resp::ReplyWriter w(&out);
  w.Error(text);
  return out;
}

}  // namespace

// One fanned-out command in flight. Parts are indexed by the order they were created; `keys`
// holds, for MGET, which argument positions each part answers.
struct Router::FanOut {
  Merge merge;
  int proto;
  Completion done;
  size_t remaining = 0;
  std::vector<resp::ReplyValue> parts;
  std::vector<std::string> failures;           // per part: forward failure text, empty if none
  std::vector<std::vector<size_t>> key_slots;  // MGET: result index of each key of a part
  size_t nkeys = 0;

  void Finish() {
    std::string out;
    resp::ReplyWriter w(&out, proto);
    for (size_t i = 0; i < parts.size(); ++i) {
      if (!failures[i].empty()) {
        done(ErrorReply(failures[i]));
        return;
      }
      if (parts[i].IsError()) {
        done(ErrorReply(parts[i].str));
        return;
      }
    }
    switch (merge) {
      case Merge::kMget: {
        std::vector<const resp::ReplyValue*> values(nkeys, nullptr);
        for (size_t i = 0; i < parts.size(); ++i) {
          const auto& elems = parts[i].elements;
          if (parts[i].type != resp::ReplyValue::Type::kArray ||
              elems.size() != key_slots[i].size()) {
            done(ErrorReply("ERR unexpected reply from a node while merging MGET"));
            return;
          }
          for (size_t k = 0; k < elems.size(); ++k) values[key_slots[i][k]] = &elems[k];
        }
        w.ArrayHeader(nkeys);
        for (const auto* v : values) resp::WriteReply(*v, &w);
        break;
      }
      case Merge::kOk:
        w.Ok();
        break;
      case Merge::kSum: {
        int64_t sum = 0;
        for (const auto& p : parts) sum += p.integer;
        w.Integer(sum);
        break;
      }
      case Merge::kConcat: {
        size_t n = 0;
        for (const auto& p : parts) n += p.elements.size();
        w.ArrayHeader(n);
        for (const auto& p : parts) {
          for (const auto& e : p.elements) resp::WriteReply(e, &w);
        }
        break;
      }
      case Merge::kRandom: {
        std::vector<const resp::ReplyValue*> found;
        for (const auto& p : parts) {
          if (p.type == resp::ReplyValue::Type::kBulk) found.push_back(&p);
        }
        if (found.empty()) {
          w.Null();
        } else {
          static thread_local std::mt19937_64 rng(std::random_device{}());
          resp::WriteReply(*found[rng() % found.size()], &w);
        }
        break;
      }
      case Merge::kNone:
        break;
    }
    done(out);
  }

  // Records part i's reply bytes (RESP2) or failure text.
  void Deliver(size_t i, bool ok, std::string_view data) {
    if (!ok) {
      failures[i] = std::string(data);
    } else if (resp::ReadReply(data, &parts[i]) == 0) {
      failures[i] = "ERR unreadable reply from a node";
    }
    if (--remaining == 0) Finish();
  }
};

Router::Router(ServerState* server, uv_loop_t* loop) : server_(server), cluster_(server->cluster) {
  cluster::PeerPoolOptions opts;
  opts.forward_timeout_ms = static_cast<int>(server->config->cluster_forward_timeout);
  opts.connections_per_peer = static_cast<int>(server->config->cluster_peer_connections);
  opts.password = server->config->RequirePass();
  opts.handshake = {"RINGKV.HELLO", cluster_->topology.myself, cluster_->fingerprint_hex};
  opts.log = [](const std::string& line) { RINGKV_LOG(kWarning, "%s", line.c_str()); };
  pool_ = std::make_unique<cluster::PeerPool>(loop, opts);
  for (int i = 0; i < static_cast<int>(cluster_->topology.nodes.size()); ++i) {
    if (i != cluster_->myself) pool_->AddPeer(i, cluster_->node(i));
  }
}

Router::~Router() {
  if (g_current == this) g_current = nullptr;
  pool_.reset();
}

Router* Router::Current() { return g_current; }
void Router::SetCurrent(Router* router) { g_current = router; }

void Router::Forward(int node, std::string_view request, int proto, uint64_t affinity,
                     Completion done) {
  PeerCounters& c = cluster_->counters[static_cast<size_t>(node)];
  c.forwarded.fetch_add(1, std::memory_order_relaxed);
  auto start = std::chrono::steady_clock::now();
  pool_->Forward(
      node, request, proto,
      [&c, start, done = std::move(done)](bool ok, std::string_view data) {
        if (ok) {
          auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
          c.latency_us_sum.fetch_add(static_cast<uint64_t>(us), std::memory_order_relaxed);
          c.latency_count.fetch_add(1, std::memory_order_relaxed);
          done(data);
        } else {
          c.errors.fetch_add(1, std::memory_order_relaxed);
          if (data.rfind("TRYAGAIN", 0) == 0) c.timeouts.fetch_add(1, std::memory_order_relaxed);
          done(ErrorReply(data));
        }
      },
      affinity);
}

std::string Router::RunLocal(ClientState& client, const ArgList& args) {
  std::string out;
  resp::ReplyWriter w(&out, 2);
  const CommandSpec* spec = nullptr;
  Status st = ResolveCommand(*server_->table, args, &spec);
  if (!st.ok()) {
    w.Error(st.ToReplyText());
  } else {
    Execute(*server_, client, spec, args, &w);
  }
  return out;
}

Router::Result Router::Route(ClientState& client, const CommandSpec& spec, const ArgList& args,
                             std::string_view raw, ReplyDeferrer* deferrer, Status* error) {
  if (spec.flags & kCmdKeyspace) {
    if (spec.name == "scan") {
      // The cursor is a ring position: the node owning it continues the walk. A cursor that
      // does not parse is left to the local handler, which answers Redis's error.
      uint64_t cursor;
      if (!ParseScanCursor(args[1], &cursor)) return Result::kLocal;
      int owner = cluster_->ring.NextBoundary(cursor).owner;
      if (owner == cluster_->myself) return Result::kLocal;
      std::string encoded;
      if (raw.empty()) cluster::EncodeCommand(args, &encoded);
      Forward(owner, raw.empty() ? encoded : raw, client.proto, client.id, deferrer->Defer());
      return Result::kDeferred;
    }
    if (MergeRule(spec.name) != Merge::kNone) return FanOutAll(client, spec, args, deferrer);
    return Result::kLocal;
  }

  std::vector<int> positions;
  spec.KeyPositions(args.size(), &positions);
  if (positions.empty()) return Result::kLocal;
  std::vector<int> owners(positions.size());
  bool same = true;
  for (size_t i = 0; i < positions.size(); ++i) {
    owners[i] = cluster_->OwnerOf(args[static_cast<size_t>(positions[i])]);
    same = same && owners[i] == owners[0];
  }
  if (same) {
    if (owners[0] == cluster_->myself) return Result::kLocal;
    std::string encoded;
    if (raw.empty()) cluster::EncodeCommand(args, &encoded);
    Forward(owners[0], raw.empty() ? encoded : raw, client.proto, client.id, deferrer->Defer());
    return Result::kDeferred;
  }
  Merge merge = MergeRule(spec.name);
  if (merge == Merge::kNone || merge == Merge::kConcat || merge == Merge::kRandom) {
    *error = Status(Code::kCrossSlot, std::string(errors::kCrossSlot));
    return Result::kError;
  }
  return FanOutKeys(client, spec, args, positions, owners, deferrer);
}

Router::Result Router::FanOutKeys(ClientState& client, const CommandSpec& spec, const ArgList& args,
                                  const std::vector<int>& positions, const std::vector<int>& owners,
                                  ReplyDeferrer* deferrer) {
  auto fan = std::make_shared<FanOut>();
  fan->merge = MergeRule(spec.name);
  fan->proto = client.proto;
  fan->done = deferrer->Defer();
  fan->nkeys = positions.size();
  // Group the keys by owner, keeping their order; each key carries its trailing arguments up
  // to the next key position (MSET's value).
  std::vector<int> nodes;
  std::vector<ArgList> subs;
  for (size_t i = 0; i < positions.size(); ++i) {
    size_t part = std::find(nodes.begin(), nodes.end(), owners[i]) - nodes.begin();
    if (part == nodes.size()) {
      nodes.push_back(owners[i]);
      subs.push_back({args[0]});
      fan->key_slots.emplace_back();
    }
    size_t from = static_cast<size_t>(positions[i]);
    size_t to = i + 1 < positions.size() ? static_cast<size_t>(positions[i + 1]) : args.size();
    for (size_t a = from; a < to; ++a) subs[part].push_back(args[a]);
    fan->key_slots[part].push_back(i);
  }
  fan->parts.resize(nodes.size());
  fan->failures.resize(nodes.size());
  fan->remaining = nodes.size();
  // Remote parts first (their replies can only arrive on a later loop turn), then the local one.
  size_t local = nodes.size();
  for (size_t p = 0; p < nodes.size(); ++p) {
    if (nodes[p] == cluster_->myself) {
      local = p;
      continue;
    }
    std::string request;
    cluster::EncodeCommand(subs[p], &request);
    Forward(nodes[p], request, 2, client.id,
            [fan, p](std::string_view reply) { fan->Deliver(p, true, reply); });
  }
  if (local < nodes.size()) fan->Deliver(local, true, RunLocal(client, subs[local]));
  return Result::kDeferred;
}

Router::Result Router::FanOutAll(ClientState& client, const CommandSpec& spec, const ArgList& args,
                                 ReplyDeferrer* deferrer) {
  auto fan = std::make_shared<FanOut>();
  fan->merge = MergeRule(spec.name);
  fan->proto = client.proto;
  fan->done = deferrer->Defer();
  size_t n = cluster_->topology.nodes.size();
  fan->parts.resize(n);
  fan->failures.resize(n);
  fan->remaining = n;
  std::string request;
  cluster::EncodeCommand(args, &request);
  for (size_t i = 0; i < n; ++i) {
    if (static_cast<int>(i) == cluster_->myself) continue;
    Forward(static_cast<int>(i), request, 2, client.id,
            [fan, i](std::string_view reply) { fan->Deliver(i, true, reply); });
  }
  fan->Deliver(static_cast<size_t>(cluster_->myself), true, RunLocal(client, args));
  return Result::kDeferred;
}

}  // namespace ringkv
