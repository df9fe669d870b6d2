// Server commands: INFO, CONFIG, COMMAND, TIME, LASTSAVE, SAVE, BGSAVE, SHUTDOWN.
// COMMAND's replies are built from the command table's metadata, so they always describe what
// the server really does. INFO follows Redis 7.0's field names; ringkv adds its own where
// Redis has no equivalent (rocksdb_*, ringkv_version).

#include <malloc.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "commands/command_table.h"
#include "errors.h"
#include "log.h"
#include "server_state.h"
#include "util.h"

namespace ringkv {

void AppendClusterInfo(const ServerState& server, std::string* out);  // commands/cluster.cc

namespace {

// ---- COMMAND ---------------------------------------------------------------------------------

std::vector<std::string_view> FlagNames(uint32_t f) {
  std::vector<std::string_view> out;
  if (f & kCmdWrite) out.push_back("write");
  if (f & kCmdReadOnly) out.push_back("readonly");
  if (f & kCmdDenyOom) out.push_back("denyoom");
  if (f & kCmdAdmin) out.push_back("admin");
  if (f & kCmdNoScript) out.push_back("noscript");
  if (f & kCmdBlocking) out.push_back("blocking");
  if (f & kCmdLoading) out.push_back("loading");
  if (f & kCmdStale) out.push_back("stale");
  if (f & kCmdFast) out.push_back("fast");
  if (f & kCmdNoAuth) out.push_back("no_auth");
  if (f & kCmdNoMulti) out.push_back("no_multi");
  if (f & kCmdAllowBusy) out.push_back("allow_busy");
  return out;
}

std::vector<std::string_view> FlagNames(const CommandSpec& s) {
  std::vector<std::string_view> out = FlagNames(s.flags);
  if (s.find_keys != nullptr) out.push_back("movablekeys");
  return out;
}

std::vector<std::string> AclCategories(const CommandSpec& s) {
  std::vector<std::string> out;
  if (s.flags & kCmdWrite) out.push_back("@write");
  if (s.flags & kCmdReadOnly) out.push_back("@read");
  if (s.group == "string") out.push_back("@string");
  if (s.group == "generic") out.push_back("@keyspace");
  if (s.group == "connection") out.push_back("@connection");
  if (s.group == "hash") out.push_back("@hash");
  if (s.group == "list") out.push_back("@list");
  if (s.group == "set") out.push_back("@set");
  if (s.group == "sorted-set") out.push_back("@sortedset");
  if (s.group == "bitmap") out.push_back("@bitmap");
  if (s.flags & kCmdAdmin) {
    out.push_back("@admin");
    out.push_back("@dangerous");
  }
  out.push_back((s.flags & kCmdFast) ? "@fast" : "@slow");
  if (s.flags & kCmdBlocking) out.push_back("@blocking");
  return out;
}

void WriteCommandInfo(const CommandSpec& s, resp::ReplyWriter* r) {
  r->ArrayHeader(10);
  r->Bulk(s.name);
  r->Integer(s.arity);
  auto flags = FlagNames(s);
  r->SetHeader(flags.size());
  for (auto f : flags) r->Simple(f);
  r->Integer(s.first_key);
  r->Integer(s.last_key);
  r->Integer(s.step);
  auto cats = AclCategories(s);
  r->SetHeader(cats.size());
  for (const auto& c : cats) r->Simple(c);
  r->SetHeader(0);  // tips
  // Key specs: one range spec derived from first/last/step, as Redis's legacy key positions.
  if (s.first_key > 0) {
    r->ArrayHeader(1);
    r->MapHeader(4);
    r->Bulk("flags");
    r->SetHeader(1);
    r->Simple((s.flags & kCmdWrite) ? "RW" : "RO");
    r->Bulk("begin_search");
    r->MapHeader(2);
    r->Bulk("type");
    r->Bulk("index");
    r->Bulk("spec");
    r->MapHeader(1);
    r->Bulk("index");
    r->Integer(s.first_key);
    r->Bulk("find_keys");
    r->MapHeader(2);
    r->Bulk("type");
    r->Bulk("range");
    r->Bulk("spec");
    r->MapHeader(3);
    r->Bulk("lastkey");
    r->Integer(s.last_key >= 0 ? s.last_key - s.first_key : s.last_key);
    r->Bulk("keystep");
    r->Integer(s.step);
    r->Bulk("limit");
    r->Integer(0);
    r->Bulk("notes");
    r->Bulk("");
  } else {
    r->ArrayHeader(0);
  }
  r->ArrayHeader(s.subcommands.size());
  for (const CommandSpec& sub : s.subcommands) WriteCommandInfo(sub, r);
}

void WriteCommandDocs(const CommandSpec& s, resp::ReplyWriter* r) {
  r->MapHeader(s.subcommands.empty() ? 4 : 5);
  r->Bulk("summary");
  r->Bulk(s.summary);
  r->Bulk("since");
  r->Bulk(s.since);
  r->Bulk("group");
  r->Bulk(s.group);
  r->Bulk("complexity");
  r->Bulk(s.complexity);
  if (!s.subcommands.empty()) {
    r->Bulk("subcommands");
    r->MapHeader(s.subcommands.size());
    for (const CommandSpec& sub : s.subcommands) {
      r->Bulk(sub.name);
      WriteCommandDocs(sub, r);
    }
  }
}

const CommandSpec* FindByFullName(const CommandTable& t, std::string_view name) {
  size_t bar = name.find('|');
  const CommandSpec* spec = t.Lookup(name.substr(0, bar));
  if (spec == nullptr || bar == std::string_view::npos) return spec;
  return spec->FindSubcommand(name.substr(bar + 1));
}

Status CmdCommand(CommandContext& ctx, const ArgList&, resp::ReplyWriter* r) {
  const auto& all = ctx.server.table->all();
  r->ArrayHeader(all.size());
  for (const auto& s : all) WriteCommandInfo(*s, r);
  return Status::OK();
}

Status CmdCommandCount(CommandContext& ctx, const ArgList&, resp::ReplyWriter* r) {
  r->Integer(static_cast<int64_t>(ctx.server.table->all().size()));
  return Status::OK();
}

Status CmdCommandList(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* r) {
  std::string pattern;
  if (args.size() == 5 && EqualsIgnoreCase(args[2], "filterby") &&
      EqualsIgnoreCase(args[3], "pattern")) {
    pattern = args[4];
  } else if (args.size() != 2) {
    return Status::Err(std::string(errors::kSyntax));
  }
  std::vector<std::string_view> names;
  for (const auto& s : ctx.server.table->all()) {
    if (pattern.empty() || GlobMatch(pattern, s->name, true)) names.push_back(s->name);
    for (const CommandSpec& sub : s->subcommands) {
      if (pattern.empty() || GlobMatch(pattern, sub.name, true)) names.push_back(sub.name);
    }
  }
  r->ArrayHeader(names.size());
  for (auto n : names) r->Bulk(n);
  return Status::OK();
}

Status CmdCommandInfo(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* r) {
  if (args.size() == 2) return CmdCommand(ctx, args, r);
  r->ArrayHeader(args.size() - 2);
  for (size_t i = 2; i < args.size(); ++i) {
    const CommandSpec* s = FindByFullName(*ctx.server.table, args[i]);
    if (s == nullptr) {
      r->Null();  // Redis 7.0 answers an unknown name with a null bulk ($-1) in RESP2
    } else {
      WriteCommandInfo(*s, r);
    }
  }
  return Status::OK();
}

Status CmdCommandDocs(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* r) {
  std::vector<const CommandSpec*> specs;
  if (args.size() == 2) {
    for (const auto& s : ctx.server.table->all()) specs.push_back(s.get());
  } else {
    for (size_t i = 2; i < args.size(); ++i) {
      const CommandSpec* s = FindByFullName(*ctx.server.table, args[i]);
      if (s != nullptr) specs.push_back(s);
    }
  }
  r->MapHeader(specs.size());
  for (const CommandSpec* s : specs) {
    r->Bulk(s->name);
    WriteCommandDocs(*s, r);
  }
  return Status::OK();
}

Status CmdCommandGetKeys(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* r) {
  ArgList inner(args.begin() + 2, args.end());
  const CommandSpec* spec = ctx.server.table->Lookup(inner[0]);
  if (spec == nullptr) return Status::Err("Invalid command specified");
  if (!spec->ArityOk(inner.size()))
    return Status::Err("Invalid number of arguments specified for command");
  std::vector<int> pos;
  spec->KeyPositionsOf(inner, &pos);
  if (pos.empty()) return Status::Err("The command has no key arguments");
  r->ArrayHeader(pos.size());
  for (int p : pos) r->Bulk(inner[static_cast<size_t>(p)]);
  return Status::OK();
}

// ---- CONFIG ----------------------------------------------------------------------------------

Status CmdConfigGet(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* r) {
  std::vector<std::string> patterns(args.begin() + 2, args.end());
  auto pairs = ctx.config().Get(patterns);
  r->MapHeader(pairs.size());
  for (const auto& [k, v] : pairs) {
    r->Bulk(k);
    r->Bulk(v);
  }
  return Status::OK();
}

Status CmdConfigSet(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* r) {
  if ((args.size() - 2) % 2 != 0) return Status::Err(std::string(errors::kSyntax));
  std::vector<std::pair<std::string, std::string>> pairs;
  for (size_t i = 2; i + 1 < args.size(); i += 2) {
    pairs.emplace_back(ToLower(args[i]), std::string(args[i + 1]));
  }
  Status st = ctx.config().Set(pairs);
  if (!st.ok()) return st;
  // Side effects of the parameters that act on running parts.
  for (const auto& [name, value] : pairs) {
    if (name == "appendfsync") {
      storage::SyncMode m = value == "always" ? storage::SyncMode::kAlways
                            : value == "no"   ? storage::SyncMode::kNo
                                              : storage::SyncMode::kEverySec;
      ctx.storage().SetSyncMode(m);
    } else if (name == "loglevel") {
      SetLogLevel(ParseLogLevel(ToLower(value)));
    }
  }
  r->Ok();
  return Status::OK();
}

Status CmdConfigResetStat(CommandContext& ctx, const ArgList&, resp::ReplyWriter* r) {
  ServerStats& s = ctx.server.stats;
  s.commands_processed = 0;
  s.connections_received = 0;
  s.rejected_connections = 0;
  s.net_input_bytes = 0;
  s.net_output_bytes = 0;
  s.keyspace_hits = 0;
  s.keyspace_misses = 0;
  s.expired_keys = 0;
  s.total_error_replies = 0;
  const_cast<CommandTable*>(ctx.server.table)->ResetStats();
  r->Ok();
  return Status::OK();
}

// ---- INFO ------------------------------------------------------------------------------------

uint64_t RssBytes() {
  std::ifstream in("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  in >> size >> resident;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

std::string HumanBytes(uint64_t n) {
  char buf[64];
  double d = static_cast<double>(n);
  if (n < 1024) {
    std::snprintf(buf, sizeof(buf), "%lluB", static_cast<unsigned long long>(n));
  } else if (n < 1024ULL * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fK", d / 1024);
  } else if (n < 1024ULL * 1024 * 1024) {
    std::snprintf(buf, sizeof(buf), "%.2fM", d / (1024 * 1024));
  } else {
    std::snprintf(buf, sizeof(buf), "%.2fG", d / (1024.0 * 1024 * 1024));
  }
  return buf;
}

void Section(std::string* out, const char* title) {
  if (!out->empty()) *out += "\r\n";
  *out += "# ";
  *out += title;
  *out += "\r\n";
}

template <typename T>
void Field(std::string* out, const char* name, const T& value) {
  std::ostringstream v;
  v << value;
  *out += name;
  *out += ':';
  *out += v.str();
  *out += "\r\n";
}

// Keys to report in INFO keyspace, per database: exact below a million keys; above, RocksDB's
// estimate, all in db0 (an exact count walks the keyspace and INFO must stay cheap; clients call
// it on connect). TODO(issue 14): per-database counters kept as writes happen.
std::vector<storage::DbKeyCount> KeyCounts(CommandContext& ctx) {
  std::vector<storage::DbKeyCount> per_db(DatabaseMap::kMaxDatabases);
  storage::StorageStats st = ctx.storage().Stats();
  if (st.estimated_keys > 1000000 || !storage::CountKeysPerDb(ctx.storage().base(), &per_db).ok()) {
    for (auto& c : per_db) c = storage::DbKeyCount();
    per_db[0].keys = st.estimated_keys;
  }
  return per_db;
}

std::string BuildInfo(CommandContext& ctx, const std::vector<std::string>& wanted) {
  auto want = [&](const char* section, bool in_default) {
    if (wanted.empty()) return in_default;
    for (const auto& w : wanted) {
      if (w == section || w == "all" || w == "everything") return true;
      if (w == "default" && in_default) return true;
    }
    return false;
  };
  ServerState& s = ctx.server;
  Config& cfg = ctx.config();
  int64_t now = static_cast<int64_t>(ctx.now_ms);
  int64_t uptime = (now - s.start_time_ms) / 1000;
  if (uptime < 0) uptime = 0;
  std::string out;

  if (want("server", true)) {
    struct utsname u;
    uname(&u);
    Section(&out, "Server");
    Field(&out, "redis_version", kRedisCompatVersion);
    Field(&out, "ringkv_version", kRingkvVersion);
    Field(&out, "redis_git_sha1", "00000000");
    Field(&out, "redis_git_dirty", 0);
    Field(&out, "redis_build_id", "0");
    Field(&out, "redis_mode", "standalone");
    Field(&out, "os", std::string(u.sysname) + " " + u.release + " " + u.machine);
    Field(&out, "arch_bits", sizeof(void*) * 8);
    Field(&out, "monotonic_clock", "POSIX clock_gettime");
    Field(&out, "multiplexing_api", "epoll");
    Field(&out, "gcc_version", __VERSION__);
    Field(&out, "process_id", getpid());
    Field(&out, "process_supervised", "no");
    Field(&out, "run_id", s.run_id);
    Field(&out, "tcp_port", s.listen_port);
    Field(&out, "server_time_usec", now * 1000);
    Field(&out, "uptime_in_seconds", uptime);
    Field(&out, "uptime_in_days", uptime / 86400);
    Field(&out, "hz", 10);
    Field(&out, "configured_hz", 10);
    Field(&out, "lru_clock", (now / 1000) & ((1 << 24) - 1));
    Field(&out, "executable", s.executable);
    Field(&out, "config_file", cfg.config_file);
    Field(&out, "io_threads_active", 0);
    Field(&out, "worker_threads", s.worker_threads);
  }
  if (want("clients", true)) {
    Section(&out, "Clients");
    Field(&out, "connected_clients", s.connected_clients.load());
    Field(&out, "cluster_connections", 0);
    Field(&out, "maxclients", cfg.maxclients.load());
    Field(&out, "client_recent_max_input_buffer", 0);
    Field(&out, "client_recent_max_output_buffer", 0);
    Field(&out, "blocked_clients", s.blocking.blocked_clients());
    Field(&out, "tracking_clients", 0);
    Field(&out, "clients_in_timeout_table", 0);
  }
  if (want("memory", true)) {
    struct mallinfo2 mi = mallinfo2();
    uint64_t used = mi.uordblks + mi.hblkhd;
    uint64_t rss = RssBytes();
    storage::StorageStats st = ctx.storage().Stats();
    Section(&out, "Memory");
    Field(&out, "used_memory", used);
    Field(&out, "used_memory_human", HumanBytes(used));
    Field(&out, "used_memory_rss", rss);
    Field(&out, "used_memory_rss_human", HumanBytes(rss));
    Field(&out, "used_memory_peak", used);
    Field(&out, "used_memory_peak_human", HumanBytes(used));
    Field(&out, "maxmemory", 0);
    Field(&out, "maxmemory_human", "0B");
    Field(&out, "maxmemory_policy", "noeviction");
    Field(&out, "mem_allocator", "libc");
    Field(&out, "rocksdb_memtable_bytes", st.memtable_bytes);
    Field(&out, "rocksdb_block_cache_bytes", st.block_cache_bytes);
  }
  if (want("persistence", true)) {
    storage::StorageStats st = ctx.storage().Stats();
    Section(&out, "Persistence");
    Field(&out, "loading", 0);
    Field(&out, "async_loading", 0);
    Field(&out, "rdb_changes_since_last_save", s.changes_since_save.load());
    Field(&out, "rdb_bgsave_in_progress", 0);
    Field(&out, "rdb_last_save_time", s.last_save_unix.load());
    Field(&out, "rdb_last_bgsave_status", "ok");
    Field(&out, "aof_enabled", 1);
    Field(&out, "aof_rewrite_in_progress", 0);
    Field(&out, "aof_last_write_status", "ok");
    {
      std::lock_guard<std::mutex> g(cfg.mu());
      Field(&out, "appendfsync", cfg.appendfsync);
    }
    Field(&out, "storage_engine", st.engine_info);
    Field(&out, "rocksdb_disk_bytes", st.disk_bytes);
    Field(&out, "rocksdb_estimated_keys", st.estimated_keys);
    Field(&out, "rocksdb_expired_compactions", st.expired_compactions);
  }
  if (want("stats", true)) {
    ServerStats& x = s.stats;
    Section(&out, "Stats");
    Field(&out, "total_connections_received", x.connections_received.load());
    Field(&out, "total_commands_processed", x.commands_processed.load());
    Field(&out, "instantaneous_ops_per_sec", 0);
    Field(&out, "total_net_input_bytes", x.net_input_bytes.load());
    Field(&out, "total_net_output_bytes", x.net_output_bytes.load());
    Field(&out, "rejected_connections", x.rejected_connections.load());
    Field(&out, "expired_keys", x.expired_keys.load());
    Field(&out, "evicted_keys", 0);
    Field(&out, "keyspace_hits", x.keyspace_hits.load());
    Field(&out, "keyspace_misses", x.keyspace_misses.load());
    Field(&out, "pubsub_channels", 0);
    Field(&out, "pubsub_patterns", 0);
    Field(&out, "total_error_replies", x.total_error_replies.load());
  }
  if (want("replication", true)) {
    Section(&out, "Replication");
    Field(&out, "role", "master");
    Field(&out, "connected_slaves", 0);
    Field(&out, "master_failover_state", "no-failover");
    Field(&out, "master_replid", s.run_id);
    Field(&out, "master_repl_offset", 0);
  }
  if (want("cpu", true)) {
    struct rusage self, children;
    getrusage(RUSAGE_SELF, &self);
    getrusage(RUSAGE_CHILDREN, &children);
    auto secs = [](const timeval& t) {
      char buf[32];
      std::snprintf(buf, sizeof(buf), "%ld.%06ld", static_cast<long>(t.tv_sec),
                    static_cast<long>(t.tv_usec));
      return std::string(buf);
    };
    Section(&out, "CPU");
    Field(&out, "used_cpu_sys", secs(self.ru_stime));
    Field(&out, "used_cpu_user", secs(self.ru_utime));
    Field(&out, "used_cpu_sys_children", secs(children.ru_stime));
    Field(&out, "used_cpu_user_children", secs(children.ru_utime));
  }
  if (want("modules", true)) {
    Section(&out, "Modules");
  }
  if (want("commandstats", false)) {
    Section(&out, "Commandstats");
    auto one = [&](const CommandSpec& c) {
      uint64_t calls = c.stats->calls.load(), rej = c.stats->rejected_calls.load();
      uint64_t failed = c.stats->failed_calls.load(), usec = c.stats->usec.load();
      if (calls == 0 && rej == 0 && failed == 0) return;
      char buf[256];
      std::snprintf(buf, sizeof(buf),
                    "cmdstat_%s:calls=%llu,usec=%llu,usec_per_call=%.2f,rejected_calls=%llu,"
                    "failed_calls=%llu\r\n",
                    c.name.c_str(), static_cast<unsigned long long>(calls),
                    static_cast<unsigned long long>(usec),
                    calls == 0 ? 0.0 : static_cast<double>(usec) / static_cast<double>(calls),
                    static_cast<unsigned long long>(rej), static_cast<unsigned long long>(failed));
      out += buf;
    };
    for (const auto& c : s.table->all()) {
      one(*c);
      for (const CommandSpec& sub : c->subcommands) one(sub);
    }
  }
  if (want("cluster", true)) {
    Section(&out, "Cluster");
    AppendClusterInfo(s, &out);
  }
  if (want("keyspace", true)) {
    Section(&out, "Keyspace");
    std::vector<storage::DbKeyCount> per_db = KeyCounts(ctx);  // by stored database
    for (size_t db = 0; db < per_db.size(); ++db) {
      const storage::DbKeyCount& c = per_db[ctx.PhysicalDb(static_cast<int>(db))];
      if (c.keys == 0) continue;
      out += "db" + std::to_string(db) + ":keys=" + std::to_string(c.keys) +
             ",expires=" + std::to_string(c.expires) + ",avg_ttl=0\r\n";
    }
  }
  return out;
}

Status CmdInfo(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* r) {
  std::vector<std::string> wanted;
  for (size_t i = 1; i < args.size(); ++i) wanted.push_back(ToLower(args[i]));
  r->Verbatim(BuildInfo(ctx, wanted));
  return Status::OK();
}

// ---- misc ------------------------------------------------------------------------------------

Status CmdTime(CommandContext&, const ArgList&, resp::ReplyWriter* r) {
  struct timeval tv;
  gettimeofday(&tv, nullptr);
  r->ArrayHeader(2);
  r->Bulk(std::to_string(tv.tv_sec));
  r->Bulk(std::to_string(tv.tv_usec));
  return Status::OK();
}

Status CmdLastSave(CommandContext& ctx, const ArgList&, resp::ReplyWriter* r) {
  r->Integer(ctx.server.last_save_unix.load());
  return Status::OK();
}

// SAVE / BGSAVE: ringkv's data is always in RocksDB (WAL + SST files); "saving" flushes the
// memtables into SST files so the WAL can be recycled.
Status FlushStorage(CommandContext& ctx) {
  Status st = ctx.storage().Flush();
  if (!st.ok()) {
    RINGKV_LOG(kWarning, "SAVE failed: %s", st.ToString().c_str());
    return Status::Err("Background save already in progress or failed: " + st.message());
  }
  ctx.server.last_save_unix = static_cast<int64_t>(ctx.now_ms / 1000);
  ctx.server.changes_since_save = 0;
  return Status::OK();
}

Status CmdSave(CommandContext& ctx, const ArgList&, resp::ReplyWriter* r) {
  Status st = FlushStorage(ctx);
  if (!st.ok()) return st;
  r->Ok();
  return Status::OK();
}

Status CmdBgSave(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* r) {
  if (args.size() > 2 || (args.size() == 2 && !EqualsIgnoreCase(args[1], "schedule"))) {
    return Status::Err(std::string(errors::kSyntax));
  }
  Status st = FlushStorage(ctx);
  if (!st.ok()) return st;
  r->Simple("Background saving started");
  return Status::OK();
}

Status CmdShutdown(CommandContext& ctx, const ArgList& args, resp::ReplyWriter* r) {
  for (size_t i = 1; i < args.size(); ++i) {
    if (!EqualsIgnoreCase(args[i], "nosave") && !EqualsIgnoreCase(args[i], "save") &&
        !EqualsIgnoreCase(args[i], "now") && !EqualsIgnoreCase(args[i], "force") &&
        !EqualsIgnoreCase(args[i], "abort")) {
      return Status::Err(std::string(errors::kSyntax));
    }
    if (EqualsIgnoreCase(args[i], "abort")) return Status::Err("No shutdown in progress.");
  }
  if (!ctx.server.request_shutdown) return Status::Err("Errors trying to SHUTDOWN. Check logs.");
  RINGKV_LOG(kWarning, "User requested shutdown...");
  ctx.server.request_shutdown();
  // As Redis: no reply on success; the connection closes when the server stops.
  ctx.client.close_after_reply = true;
  return Status::OK();
}

CommandSpec Sub(const char* name, int arity, uint32_t flags, Handler h, std::string_view summary,
                std::string_view since, std::string_view complexity) {
  CommandSpec s;
  s.name = name;
  s.arity = arity;
  s.flags = flags;
  s.handler = h;
  s.group = "server";
  s.summary = summary;
  s.since = since;
  s.complexity = complexity;
  return s;
}

}  // namespace

void RegisterServerCommands(CommandTable& table) {
  const uint32_t kLS = kCmdLoading | kCmdStale;
  CommandSpec command{"command",
                      -1,
                      kLS,
                      0,
                      0,
                      0,
                      CmdCommand,
                      "server",
                      "Returns detailed information about all commands.",
                      "2.8.13",
                      "O(N) where N is the total number of Redis commands"};
  command.subcommands.push_back(Sub("command|count", 2, kLS, CmdCommandCount,
                                    "Returns a count of commands.", "2.8.13", "O(1)"));
  command.subcommands.push_back(Sub("command|list", -2, kLS, CmdCommandList,
                                    "Returns a list of command names.", "7.0.0",
                                    "O(N) where N is the total number of Redis commands"));
  command.subcommands.push_back(Sub("command|info", -2, kLS, CmdCommandInfo,
                                    "Returns information about one, multiple or all commands.",
                                    "2.8.13", "O(N) where N is the number of commands to look up"));
  command.subcommands.push_back(
      Sub("command|docs", -2, kLS, CmdCommandDocs,
          "Returns documentary information about one, multiple or all commands.", "7.0.0",
          "O(N) where N is the number of commands to look up"));
  command.subcommands.push_back(Sub("command|getkeys", -3, kLS, CmdCommandGetKeys,
                                    "Extracts the key names from an arbitrary command.", "2.8.13",
                                    "O(N) where N is the number of arguments to the command"));
  table.Register(std::move(command));

  CommandSpec config{"config",
                     -2,
                     0,
                     0,
                     0,
                     0,
                     nullptr,
                     "server",
                     "A container for server configuration commands.",
                     "2.0.0",
                     "Depends on subcommand."};
  config.subcommands.push_back(
      Sub("config|get", -3, kCmdAdmin | kCmdNoScript | kLS, CmdConfigGet,
          "Returns the effective values of configuration parameters.", "2.0.0",
          "O(N) when N is the number of configuration parameters provided"));
  config.subcommands.push_back(
      Sub("config|set", -4, kCmdAdmin | kCmdNoScript | kLS, CmdConfigSet,
          "Sets configuration parameters in-flight.", "2.0.0",
          "O(N) when N is the number of configuration parameters provided"));
  config.subcommands.push_back(Sub("config|resetstat", 2, kCmdAdmin | kCmdNoScript | kLS,
                                   CmdConfigResetStat, "Resets the server's statistics.", "2.0.0",
                                   "O(1)"));
  table.Register(std::move(config));

  table.Register({"info", -1, kLS, 0, 0, 0, CmdInfo, "server",
                  "Returns information and statistics about the server.", "1.0.0", "O(1)"});
  table.Register({"time", 1, kLS | kCmdFast, 0, 0, 0, CmdTime, "server", "Returns the server time.",
                  "2.6.0", "O(1)"});
  table.Register({"lastsave", 1, kLS | kCmdFast, 0, 0, 0, CmdLastSave, "server",
                  "Returns the Unix timestamp of the last successful save to disk.", "1.0.0",
                  "O(1)"});
  table.Register({"save", 1, kCmdAdmin | kCmdNoScript | kCmdNoMulti, 0, 0, 0, CmdSave, "server",
                  "Synchronously saves the database(s) to disk.", "1.0.0",
                  "O(N) where N is the total number of keys in all databases"});
  table.Register({"bgsave", -1, kCmdAdmin | kCmdNoScript, 0, 0, 0, CmdBgSave, "server",
                  "Asynchronously saves the database(s) to disk.", "1.0.0",
                  "O(N) where N is the total number of keys in all databases"});
  table.Register({"shutdown", -1, kCmdAdmin | kCmdNoScript | kLS | kCmdNoMulti | kCmdAllowBusy, 0,
                  0, 0, CmdShutdown, "server",
                  "Synchronously saves the database(s) to disk and shuts down the Redis server.",
                  "1.0.0",
                  "O(N) when saving, where N is the total number of keys in all databases"});
}

}  // namespace ringkv
