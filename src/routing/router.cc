// Router: see router.h for the rules. How a fan-out works: the client's reply slot is reserved
// first (Defer), then the local part runs synchronously through the real handler and each
// remote part goes out through the pool; every part's reply is parsed into a ReplyValue and,
// when the last one is in, merged by the command's rule and delivered in the client's protocol.
// Sub-requests always ask peers for RESP2 (what the pool's connections speak).

#include "routing/router.h"

#include "storage/key_dump.h"
#include "storage/memory_storage.h"

#include <algorithm>
#include <chrono>
#include <random>

#include "txn/blocking.h"
#include "commands/dispatch.h"
#include "errors.h"
#include "log.h"
#include "resp/reply_reader.h"
#include "txn/txn_storage.h"
#include "util.h"
#include "txn/watch.h"

namespace ringkv {
namespace {

thread_local Router* g_current = nullptr;

enum class Merge { kNone, kMget, kOk, kSum, kConcat, kRandom };

// How the replies of a fanned-out command combine into one.
Merge MergeRule(std::string_view name) {
  if (name == "mget") return Merge::kMget;
  if (name == "mset" || name == "flushdb" || name == "flushall" || name == "swapdb") {
    return Merge::kOk;
  }
  if (name == "del" || name == "unlink" || name == "exists" || name == "touch" || name == "dbsize")
    return Merge::kSum;
  if (name == "keys") return Merge::kConcat;
  if (name == "randomkey") return Merge::kRandom;
  return Merge::kNone;
}

// Read-only commands over several keys that a cluster answers by gathering the keys (Redis
// Cluster refuses them with CROSSSLOT). Commands that write one key from others stay
// CROSSSLOT: they must be atomic on one node.
bool Gathers(std::string_view name) {
  for (std::string_view g : {"sunion", "sinter", "sdiff", "sintercard", "zunion", "zinter",
                             "zdiff", "zintercard"}) {
    if (name == g) return true;
  }
  return false;
}

bool WrapInDatabase(std::string_view request, int db, std::string* out);  // below

// The timeout argument of a blocking command (blocking.h); false if it does not parse (then the
// owner answers the error).
bool BlockingTimeout(const CommandSpec& spec, const ArgList& args, int64_t* ms) {
  std::string_view arg;
  if (spec.name == "blmpop" || spec.name == "bzmpop") {
    arg = args[1];
  } else if (spec.name == "blmove") {
    arg = args[5];
  } else if (spec.name == "brpoplpush") {
    arg = args[3];
  } else {
    arg = args.back();  // BLPOP, BRPOP, BZPOPMIN, BZPOPMAX
  }
  return ParseBlockTimeout(arg, ms).ok();
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

Router::Router(ServerState* server, uv_loop_t* loop)
    : server_(server), cluster_(server->cluster), loop_(loop) {
  reaper_ = new uv_timer_t;
  uv_timer_init(loop, reaper_);
  reaper_->data = this;
  cluster::PeerPoolOptions opts;
  opts.forward_timeout_ms = static_cast<int>(server->config->cluster_forward_timeout);
  opts.connections_per_peer = static_cast<int>(server->config->cluster_peer_connections);
  opts.password = server->config->RequirePass();
  opts.handshake = {"RINGKV.HELLO", cluster_->topology.myself, cluster_->fingerprint_hex};
  // A peer that comes back is used again within about half a second (backoff 100 ms doubling,
  // capped at 500 ms), while a peer that stays down costs at most two connect attempts a second.
  opts.reconnect_max_ms = 500;
  opts.log = [](const std::string& line) { RINGKV_LOG(kWarning, "%s", line.c_str()); };
  pool_ = std::make_unique<cluster::PeerPool>(loop, opts);
  for (int i = 0; i < static_cast<int>(cluster_->topology.nodes.size()); ++i) {
    if (i != cluster_->myself) pool_->AddPeer(i, cluster_->node(i));
  }
}

Router::~Router() {
  if (g_current == this) g_current = nullptr;
  pool_.reset();
  // The pools' callbacks look their pool up in blocking_: empty it before they run.
  auto blocking = std::move(blocking_);
  blocking_.clear();
  blocking.clear();
  retired_.clear();
  uv_close(reinterpret_cast<uv_handle_t*>(reaper_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_timer_t*>(h); });
}

void Router::OnReapBlocking(uv_timer_t* t) { static_cast<Router*>(t->data)->retired_.clear(); }

void Router::DropBlockingForwards(uint64_t client_id) {
  auto it = blocking_.find(client_id);
  if (it == blocking_.end()) return;
  std::vector<std::unique_ptr<cluster::PeerPool>> pools = std::move(it->second);
  blocking_.erase(it);
  pools.clear();  // their callbacks run now with an error; the client is gone, so nobody sees it
}

Router::Result Router::ForwardBlocking(ClientState& client, int node, std::string_view request,
                                       int64_t timeout_ms, ReplyDeferrer* deferrer) {
  cluster::PeerPoolOptions opts;
  const int64_t margin = server_->config->cluster_forward_timeout;
  opts.forward_timeout_ms = timeout_ms == 0 || timeout_ms > INT32_MAX / 2 - margin
                                ? INT32_MAX / 2
                                : static_cast<int>(timeout_ms + margin);
  opts.connections_per_peer = 1;
  opts.password = server_->config->RequirePass();
  opts.handshake = {"RINGKV.HELLO", cluster_->topology.myself, cluster_->fingerprint_hex,
                    "BLOCKING"};
  opts.reconnect_max_ms = 500;
  opts.log = [](const std::string& line) { RINGKV_LOG(kVerbose, "%s", line.c_str()); };
  auto pool = std::make_unique<cluster::PeerPool>(loop_, opts);
  pool->AddPeer(node, cluster_->node(node));
  cluster::PeerPool* raw = pool.get();
  blocking_[client.id].push_back(std::move(pool));
  std::string wrapped;
  if (client.db != 0 && WrapInDatabase(request, client.db, &wrapped)) request = wrapped;
  const uint64_t client_id = client.id;
  Completion done = deferrer->Defer();
  raw->Forward(node, request, client.proto,
               [this, raw, client_id, done = std::move(done)](bool ok, std::string_view data) {
                 done(ok ? std::string(data) : ErrorReply(data));
                 // Retire the pool; it is destroyed on a later loop turn.
                 auto it = blocking_.find(client_id);
                 if (it == blocking_.end()) return;  // being dropped right now
                 auto& pools = it->second;
                 for (size_t i = 0; i < pools.size(); ++i) {
                   if (pools[i].get() != raw) continue;
                   retired_.push_back(std::move(pools[i]));
                   pools.erase(pools.begin() + static_cast<std::ptrdiff_t>(i));
                   break;
                 }
                 if (pools.empty()) blocking_.erase(it);
                 uv_timer_start(reaper_, OnReapBlocking, 0, 0);
               });
  return Result::kDeferred;
}

Router* Router::Current() { return g_current; }
void Router::SetCurrent(Router* router) { g_current = router; }

namespace {

// RINGKV.IN <db> <command...>: the multibulk `request` with two arguments put in front. False if
// `request` is not a multibulk (then it goes as it is).
bool WrapInDatabase(std::string_view request, int db, std::string* out) {
  if (request.empty() || request[0] != '*') return false;
  size_t eol = request.find("\r\n");
  int64_t n;
  if (eol == std::string_view::npos || !ParseInt64(request.substr(1, eol - 1), &n) || n < 1) {
    return false;
  }
  std::string db_text = std::to_string(db);
  out->clear();
  out->reserve(request.size() + 32);
  *out += "*" + std::to_string(n + 2) + "\r\n$9\r\nRINGKV.IN\r\n$" +
          std::to_string(db_text.size()) + "\r\n" + db_text + "\r\n";
  out->append(request.substr(eol + 2));
  return true;
}

}  // namespace

void Router::Forward(int node, std::string_view request, int proto, uint64_t affinity,
                     Completion done, int db) {
  std::string wrapped;
  if (db != 0 && WrapInDatabase(request, db, &wrapped)) request = wrapped;
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

std::string Router::RunLocal(const ArgList& args, int db) {
  internal_client_.db = db;
  std::string out;
  resp::ReplyWriter w(&out, 2);
  const CommandSpec* spec = nullptr;
  Status st = ResolveCommand(*server_->table, args, &spec);
  if (!st.ok()) {
    w.Error(st.ToReplyText());
  } else {
    Execute(*server_, internal_client_, spec, args, &w);
  }
  return out;
}

Router::Result Router::Route(ClientState& client, const CommandSpec& spec, const ArgList& args,
                             std::string_view raw, ReplyDeferrer* deferrer, Status* error) {
  // Transactions (issue 6): see the section at the end of this file.
  if (spec.name == "exec" || spec.name == "watch" || spec.name == "discard" ||
      spec.name == "unwatch") {
    return RouteTransaction(client, spec, args, deferrer, error);
  }
  if (spec.flags & kCmdKeyspace) {
    if (spec.name == "scan") return Scan(client, args, deferrer);
    if (MergeRule(spec.name) != Merge::kNone) return FanOutAll(client, spec, args, deferrer);
    return Result::kLocal;
  }

  std::vector<int> positions;
  spec.KeyPositionsOf(args, &positions);
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
    int64_t timeout_ms;
    if ((spec.flags & kCmdBlocking) && BlockingTimeout(spec, args, &timeout_ms)) {
      return ForwardBlocking(client, owners[0], raw.empty() ? encoded : raw, timeout_ms, deferrer);
    }
    Forward(owners[0], raw.empty() ? encoded : raw, client.proto, client.id, deferrer->Defer(),
            client.db);
    return Result::kDeferred;
  }
  if (Gathers(spec.name)) return Gather(client, spec, args, positions, owners, deferrer);
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
    Forward(
        nodes[p], request, 2, client.id,
        [fan, p](std::string_view reply) { fan->Deliver(p, true, reply); }, client.db);
  }
  if (local < nodes.size()) fan->Deliver(local, true, RunLocal(subs[local], client.db));
  return Result::kDeferred;
}

namespace {

// RINGKV.DUMPKEY's reply (commands/cluster.cc) into `store`: [qualified key, type, expire,
// payload, element key, element value, ...], or a null array for an absent key.
Status LoadDump(const resp::ReplyValue& v, storage::Storage* store) {
  using Type = resp::ReplyValue::Type;
  if (v.type != Type::kArray) return Status::OK();  // null: the key does not exist
  const auto& e = v.elements;
  if (e.size() < 4 || (e.size() - 4) % 2 != 0 || e[1].type != Type::kInteger ||
      e[2].type != Type::kInteger || e[1].integer < 0 ||
      e[1].integer > static_cast<int64_t>(storage::ValueType::kZset)) {
    return Status::Err("unexpected RINGKV.DUMPKEY reply from a node");
  }
  storage::KeyDump dump;
  dump.exists = true;
  dump.qualified_key = e[0].str;
  dump.type = static_cast<storage::ValueType>(e[1].integer);
  dump.expire_at_ms = static_cast<uint64_t>(e[2].integer);
  dump.payload = e[3].str;
  for (size_t i = 4; i + 1 < e.size(); i += 2) dump.elements.emplace_back(e[i].str, e[i + 1].str);
  return storage::LoadKey(store, dump);
}

}  // namespace

Router::Result Router::Gather(ClientState& client, const CommandSpec& spec, const ArgList& args,
                              const std::vector<int>& positions, const std::vector<int>& owners,
                              ReplyDeferrer* deferrer) {
  struct Op {
    const CommandSpec* spec;
    std::vector<std::string> argv;  // the command, copied: the client may be gone at the end
    int db = 0;
    int proto = 2;
    size_t remaining = 0;
    std::string error;  // the first failure (RESP error line)
    std::unique_ptr<storage::Storage> scratch = storage::NewMemoryStorage();
    Completion done;
  };
  auto op = std::make_shared<Op>();
  op->spec = &spec;
  op->argv.assign(args.begin(), args.end());
  op->db = client.db;
  op->proto = client.proto;
  op->done = deferrer->Defer();
  // One dump per distinct key.
  std::vector<std::pair<std::string_view, int>> keys;
  for (size_t i = 0; i < positions.size(); ++i) {
    std::string_view k = args[static_cast<size_t>(positions[i])];
    bool seen = false;
    for (const auto& [other, node] : keys) seen = seen || other == k;
    if (!seen) keys.emplace_back(k, owners[i]);
  }
  op->remaining = keys.size();
  auto absorb = [this, op](std::string_view reply) {
    if (op->error.empty()) {
      resp::ReplyValue v;
      Status s = resp::ReadReply(reply, &v) == 0 ? Status::Err("unreadable reply from a node")
                 : v.IsError()                   ? Status::Err(v.str)
                                                 : LoadDump(v, op->scratch.get());
      if (!s.ok()) op->error = s.ToReplyText();
    }
    if (--op->remaining != 0) return;
    if (!op->error.empty()) return op->done(ErrorReply(op->error));
    // Every key is in the scratch store: run the command's own handler over it.
    ArgList argv(op->argv.begin(), op->argv.end());
    std::string out;
    resp::ReplyWriter w(&out, op->proto);
    internal_client_.db = op->db;
    internal_client_.proto = op->proto;
    Execute(*server_, internal_client_, op->spec, argv, &w, op->scratch.get());
    internal_client_.proto = 2;
    op->done(out);
  };
  for (const auto& [key, node] : keys) {
    ArgList dump = {"RINGKV.DUMPKEY", key};
    if (node == cluster_->myself) {
      absorb(RunLocal(dump, client.db));
    } else {
      std::string request;
      cluster::EncodeCommand(dump, &request);
      Forward(node, request, 2, client.id, absorb, client.db);
    }
  }
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
    Forward(
        static_cast<int>(i), request, 2, client.id,
        [fan, i](std::string_view reply) { fan->Deliver(i, true, reply); }, client.db);
  }
  fan->Deliver(static_cast<size_t>(cluster_->myself), true, RunLocal(args, client.db));
  return Result::kDeferred;
}

// A SCAN call from a client walks node after node (ClusterState::ScanNode) within one call: a
// node that runs out of keys hands the walk to the next, until COUNT keys are in, the walk
// ends, or a node stops before its end (its cursor then continues there on the next call). So
// a call costs at most one step per node, and a small keyspace answers in a single call.
struct Router::ScanWalk {
  const ClusterState* cluster;
  std::vector<std::string> options;  // everything after the cursor, as sent
  size_t count = 10;
  uint64_t cursor = 0;
  std::vector<resp::ReplyValue> keys;
  int proto = 2;
  int db = 0;  // the client's database
  Completion done;

  // The request for the node the cursor names.
  std::string Request() const {
    ArgList argv = {"SCAN"};
    std::string cursor_text = std::to_string(cursor);
    argv.push_back(cursor_text);
    for (const auto& o : options) argv.push_back(o);
    std::string out;
    cluster::EncodeCommand(argv, &out);
    return out;
  }

  // Takes node `node`'s reply. Returns true if the walk goes on to the next node; otherwise
  // the walk has delivered its reply (or error).
  bool Absorb(int node, std::string_view reply) {
    resp::ReplyValue v;
    if (resp::ReadReply(reply, &v) == 0 || v.IsError() ||
        v.type != resp::ReplyValue::Type::kArray || v.elements.size() != 2 ||
        !ParseScanCursor(v.elements[0].str, &cursor)) {
      done(ErrorReply(v.IsError() ? std::string_view(v.str)
                                  : "ERR unreadable SCAN reply from a node"));
      return false;
    }
    for (auto& k : v.elements[1].elements) keys.push_back(std::move(k));
    uint64_t unused;
    int next = cursor == 0 ? -1 : cluster->ScanNode(cursor, &unused);
    if (next >= 0 && next != node && keys.size() < count) return true;
    if (next < 0) cursor = 0;
    std::string out;
    resp::ReplyWriter w(&out, proto);
    w.ArrayHeader(2);
    w.Bulk(std::to_string(cursor));
    w.ArrayHeader(keys.size());
    for (const auto& k : keys) resp::WriteReply(k, &w);
    done(out);
    return false;
  }
};

Router::Result Router::Scan(ClientState& client, const ArgList& args, ReplyDeferrer* deferrer) {
  // Anything malformed is left to the local handler, which answers Redis's error.
  uint64_t cursor, position;
  if (!ParseScanCursor(args[1], &cursor)) return Result::kLocal;
  int node = cluster_->ScanNode(cursor, &position);
  if (node < 0) return Result::kLocal;  // past the last node: the handler answers "0" and []
  std::string first;
  if (node == cluster_->myself) {
    first = RunLocal(args, client.db);
    if (!first.empty() && first[0] == '-') return Result::kLocal;  // bad options: Redis's error
  }
  auto walk = std::make_shared<ScanWalk>();
  walk->cluster = cluster_;
  for (size_t i = 2; i < args.size(); ++i) {
    walk->options.emplace_back(args[i]);
    int64_t n;
    if (i + 1 < args.size() && EqualsIgnoreCase(args[i], "count") && ParseInt64(args[i + 1], &n) &&
        n > 0) {
      walk->count = static_cast<size_t>(n);
    }
  }
  walk->cursor = cursor;
  walk->proto = client.proto;
  walk->db = client.db;
  walk->done = deferrer->Defer();
  if (first.empty() || walk->Absorb(node, first)) ScanStep(walk);
  return Result::kDeferred;
}

void Router::ScanStep(const std::shared_ptr<ScanWalk>& walk) {
  uint64_t position;
  int node = cluster_->ScanNode(walk->cursor, &position);
  while (node == cluster_->myself) {
    ArgList argv;
    std::vector<std::string> words = {"SCAN", std::to_string(walk->cursor)};
    for (const auto& o : walk->options) words.push_back(o);
    for (const auto& w : words) argv.push_back(w);
    if (!walk->Absorb(node, RunLocal(argv, walk->db))) return;
    node = cluster_->ScanNode(walk->cursor, &position);
  }
  Forward(
      node, walk->Request(), 2, cluster::PeerPool::kNoAffinity,
      [this, walk, node](std::string_view reply) {
        if (walk->Absorb(node, reply)) ScanStep(walk);
      },
      walk->db);
}

// ---------------------------------------------------------------------------------------------
// Transactions (issue 6). Queueing happened in Dispatch; here EXEC picks where the queue runs and
// WATCH sends other nodes' keys to their owners. Design notes: commands/multi.cc and watch.h.

Router::Result Router::RouteTransaction(ClientState& client, const CommandSpec& spec,
                                        const ArgList& args, ReplyDeferrer* deferrer,
                                        Status* error) {
  if (spec.name == "exec") return RouteExec(client, deferrer, error);
  if (spec.name == "watch") return RouteWatch(client, args, deferrer);
  // DISCARD (inside MULTI) and UNWATCH end the watches: the handler drops the local ones.
  if (spec.name == "unwatch" || client.txn.active) ReleaseRemoteWatches(client);
  return Result::kLocal;
}

void Router::ReleaseRemoteWatches(ClientState& client) {
  if (client.watches == nullptr) return;
  for (const auto& [node, keys] : client.watches->remote) {
    if (keys.empty()) continue;
    std::string request;
    cluster::EncodeCommand({"RINGKV.UNWATCH", client.watches->session}, &request);
    Forward(node, request, 2, client.id, [](std::string_view) {}, client.db);
  }
  client.watches->remote.clear();
}

Router::Result Router::RouteExec(ClientState& client, ReplyDeferrer* deferrer, Status* error) {
  // Without MULTI, or with a queueing error or a failed remote WATCH, the local handler answers
  // (error, EXECABORT or the null reply) and nothing needs another node.
  ClientWatches* watches = client.watches.get();
  if (!client.txn.active || client.txn.dirty || (watches != nullptr && watches->failed)) {
    if (client.txn.active) ReleaseRemoteWatches(client);
    return Result::kLocal;
  }
  // Every node that holds a key of the queue or of the watches.
  std::vector<int> nodes;
  auto add = [&nodes](int n) {
    if (std::find(nodes.begin(), nodes.end(), n) == nodes.end()) nodes.push_back(n);
  };
  std::vector<int> positions;
  for (const QueuedCommand& q : client.txn.queue) {
    q.spec->KeyPositionsOf(q.argv, &positions);
    for (int p : positions) add(cluster_->OwnerOf(q.argv[static_cast<size_t>(p)]));
  }
  if (watches != nullptr) {
    if (!watches->local.empty()) add(cluster_->myself);
    for (const auto& [node, keys] : watches->remote) {
      if (!keys.empty()) add(node);
    }
  }
  if (nodes.size() > 1) {
    // Nothing runs; the transaction and its watches are gone, as after any EXEC.
    ReleaseRemoteWatches(client);
    client.txn.Reset();
    client.watches.reset();
    *error = Status(Code::kCrossSlot, std::string(errors::kCrossSlot));
    return Result::kError;
  }
  if (nodes.empty() || nodes[0] == cluster_->myself) return Result::kLocal;

  // One other node holds everything: ship the whole queue as one request, so that no other
  // client's command on the shared peer connection lands in between.
  const int node = nodes[0];
  std::vector<std::string> head = {"RINGKV.EXEC", "-", "0",
                                   std::to_string(client.txn.queue.size())};
  if (watches != nullptr) {
    auto it = watches->remote.find(node);
    if (it != watches->remote.end() && !it->second.empty()) {
      head[1] = watches->session;
      head[2] = std::to_string(it->second.size());
    }
  }
  std::vector<std::string> counts;
  counts.reserve(client.txn.queue.size());
  for (const QueuedCommand& q : client.txn.queue) counts.push_back(std::to_string(q.argv.size()));
  ArgList argv(head.begin(), head.end());
  for (size_t i = 0; i < client.txn.queue.size(); ++i) {
    argv.push_back(counts[i]);
    for (const std::string& a : client.txn.queue[i].argv) argv.push_back(a);
  }
  std::string request;
  cluster::EncodeCommand(argv, &request);
  // The owner takes the session (RINGKV.EXEC consumes it), so nothing is left to release.
  client.txn.Reset();
  client.watches.reset();
  Forward(node, request, client.proto, client.id, deferrer->Defer(), client.db);
  return Result::kDeferred;
}

Router::Result Router::RouteWatch(ClientState& client, const ArgList& args,
                                  ReplyDeferrer* deferrer) {
  // Inside MULTI, or without a watch layer, the handler answers the error.
  if (client.txn.active || server_->watches == nullptr) return Result::kLocal;
  bool any_remote = false;
  for (size_t i = 1; i < args.size() && !any_remote; ++i) {
    any_remote = cluster_->OwnerOf(args[i]) != cluster_->myself;
  }
  // All keys here: the handler registers them.
  if (!any_remote) return Result::kLocal;

  ClientWatches& w = EnsureClientWatches(*server_, client);
  std::vector<std::pair<int, ArgList>> requests;  // node -> keys not yet watched there
  for (size_t i = 1; i < args.size(); ++i) {
    int owner = cluster_->OwnerOf(args[i]);
    if (owner == cluster_->myself) continue;
    // A key this client already watches there keeps its first registration, as Redis.
    if (!w.remote[owner].insert(std::string(args[i])).second) continue;
    auto it = std::find_if(requests.begin(), requests.end(),
                           [owner](const auto& r) { return r.first == owner; });
    if (it == requests.end()) {
      requests.push_back({owner, {"RINGKV.WATCH", w.session}});
      it = requests.end() - 1;
    }
    it->second.push_back(args[i]);
  }
  // Every remote key was already watched: the handler registers the local ones and answers.
  if (requests.empty()) return Result::kLocal;

  // The local keys now, the remote ones on their owners; the reply is +OK once all answered, or
  // the first error (the watch is then marked failed, so EXEC aborts).
  for (size_t i = 1; i < args.size(); ++i) {
    if (cluster_->OwnerOf(args[i]) != cluster_->myself) continue;
    Status s = WatchLocalKey(*server_, &w.local, server_->databases.Physical(client.db), args[i]);
    if (!s.ok()) w.failed = true;
  }
  struct FanIn {
    size_t remaining = 0;
    std::string error;  // the first error reply (RESP bytes)
    Completion done;
  };
  auto fan = std::make_shared<FanIn>();
  fan->remaining = requests.size();
  fan->done = deferrer->Defer();
  std::weak_ptr<ClientWatches> weak = client.watches;
  for (const auto& [node, argv] : requests) {
    std::string request;
    cluster::EncodeCommand(argv, &request);
    Forward(node, request, 2, client.id, [fan, weak](std::string_view reply) {
      if (reply.empty() || reply[0] != '+') {
        if (fan->error.empty()) fan->error = reply.empty() ? "-ERR empty reply\r\n" : reply;
        if (auto locked = weak.lock()) locked->failed = true;
      }
      if (--fan->remaining == 0) fan->done(fan->error.empty() ? "+OK\r\n" : fan->error);
    }, client.db);
  }
  return Result::kDeferred;
}

}  // namespace ringkv
