// Config: one table of parameters drives startup parsing, CONFIG GET and CONFIG SET.
// Each row knows how to print its value and how to parse one; rows marked immutable refuse
// CONFIG SET with Redis's "can't set immutable config". CONFIG SET of several parameters is
// atomic as in Redis 7: all values are validated on a copy first, then applied.

#include "config.h"

#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "util.h"
#include "version.h"

namespace ringkv {
namespace {

struct Param {
  const char* name;
  bool mutable_at_runtime;
  std::function<std::string(Config&)> get;
  // Parses args (the words after the name) into cfg. Returns an error text in Redis's words,
  // or empty on success.
  std::function<std::string(Config&, const std::vector<std::string>&)> set;
};

std::string ParseBool(const std::string& v, bool* out) {
  if (EqualsIgnoreCase(v, "yes")) {
    *out = true;
  } else if (EqualsIgnoreCase(v, "no")) {
    *out = false;
  } else {
    return "argument must be 'yes' or 'no'";
  }
  return {};
}

std::string ParseIntIn(const std::string& v, int64_t lo, int64_t hi, int64_t* out) {
  int64_t n;
  if (!ParseInt64(v, &n)) return "argument couldn't be parsed into an integer";
  if (n < lo || n > hi) {
    return "argument must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
           " inclusive";
  }
  *out = n;
  return {};
}

std::string ParseMem(const std::string& v, int64_t* out) {
  if (!ParseMemory(v, out)) return "argument must be a memory value";
  return {};
}

std::string OneOf(const std::string& v, std::initializer_list<const char*> options,
                  std::string* out) {
  for (const char* o : options) {
    if (EqualsIgnoreCase(v, o)) {
      *out = o;
      return {};
    }
  }
  std::string msg = "argument(s) must be one of the following: ";
  bool first = true;
  for (const char* o : options) {
    if (!first) msg += ", ";
    msg += o;
    first = false;
  }
  return msg;
}

Param IntParam(const char* name, bool mut, std::atomic<int64_t> Config::*field, int64_t lo,
               int64_t hi) {
  return {name, mut, [field](Config& c) { return std::to_string((c.*field).load()); },
          [field, lo, hi](Config& c, const std::vector<std::string>& a) {
            int64_t n;
            std::string err = ParseIntIn(a[0], lo, hi, &n);
            if (err.empty()) (c.*field) = n;
            return err;
          }};
}

Param MemParam(const char* name, bool mut, std::atomic<int64_t> Config::*field) {
  return {name, mut, [field](Config& c) { return std::to_string((c.*field).load()); },
          [field](Config& c, const std::vector<std::string>& a) {
            int64_t n;
            std::string err = ParseMem(a[0], &n);
            if (err.empty()) (c.*field) = n;
            return err;
          }};
}

Param PlainMemParam(const char* name, int64_t Config::*field) {
  return {name, false, [field](Config& c) { return std::to_string(c.*field); },
          [field](Config& c, const std::vector<std::string>& a) {
            int64_t n;
            std::string err = ParseMem(a[0], &n);
            if (err.empty()) c.*field = n;
            return err;
          }};
}

Param StringParam(const char* name, bool mut, std::string Config::*field) {
  return {name, mut,
          [field](Config& c) {
            std::lock_guard<std::mutex> g(c.mu());
            return c.*field;
          },
          [field](Config& c, const std::vector<std::string>& a) {
            std::lock_guard<std::mutex> g(c.mu());
            c.*field = a[0];
            return std::string();
          }};
}

std::string FormatOutputLimit(const OutputLimit& o) {
  // Redis prints all three classes; ringkv has only normal clients, the others are accepted
  // and reported with Redis's defaults.
  return "normal " + std::to_string(o.hard) + " " + std::to_string(o.soft) + " " +
         std::to_string(o.soft_seconds) + " slave 268435456 67108864 60 pubsub 33554432 8388608 60";
}

const std::vector<Param>& Params() {
  static const std::vector<Param> params = {
      {"port", false, [](Config& c) { return std::to_string(c.port); },
       [](Config& c, const std::vector<std::string>& a) {
         int64_t n;
         std::string err = ParseIntIn(a[0], 0, 65535, &n);
         if (err.empty()) c.port = static_cast<int>(n);
         return err;
       }},
      {"bind", false,
       [](Config& c) {
         std::string out;
         for (const auto& b : c.bind) out += (out.empty() ? "" : " ") + b;
         return out;
       },
       [](Config& c, const std::vector<std::string>& a) {
         c.bind = a;
         return std::string();
       }},
      {"protected-mode", true,
       [](Config& c) { return std::string(c.protected_mode ? "yes" : "no"); },
       [](Config& c, const std::vector<std::string>& a) {
         bool b = false;
         std::string err = ParseBool(a[0], &b);
         if (err.empty()) c.protected_mode = b;
         return err;
       }},
      {"tcp-backlog", false, [](Config& c) { return std::to_string(c.tcp_backlog); },
       [](Config& c, const std::vector<std::string>& a) {
         int64_t n;
         std::string err = ParseIntIn(a[0], 0, 65535, &n);
         if (err.empty()) c.tcp_backlog = static_cast<int>(n);
         return err;
       }},
      IntParam("tcp-keepalive", true, &Config::tcp_keepalive, 0, INT32_MAX),
      IntParam("timeout", true, &Config::timeout, 0, INT32_MAX),
      IntParam("maxclients", true, &Config::maxclients, 1, INT32_MAX),
      MemParam("proto-max-bulk-len", true, &Config::proto_max_bulk_len),
      MemParam("client-query-buffer-limit", true, &Config::client_query_buffer_limit),
      {"client-output-buffer-limit", true,
       [](Config& c) {
         std::lock_guard<std::mutex> g(c.mu());
         return FormatOutputLimit(c.output_limit_normal);
       },
       [](Config& c, const std::vector<std::string>& a) {
         // "<class> <hard> <soft> <soft seconds>" repeated; one line may carry several classes.
         std::vector<std::string> words;
         for (const auto& arg : a) {
           std::istringstream in(arg);
           std::string w;
           while (in >> w) words.push_back(w);
         }
         if (words.empty() || words.size() % 4 != 0)
           return std::string("Wrong number of arguments in buffer limit configuration.");
         OutputLimit normal;
         bool has_normal = false;
         for (size_t i = 0; i < words.size(); i += 4) {
           std::string cls = ToLower(words[i]);
           if (cls != "normal" && cls != "slave" && cls != "replica" && cls != "pubsub") {
             return std::string("Invalid client class specified in buffer limit configuration.");
           }
           int64_t hard, soft, secs;
           if (!ParseMemory(words[i + 1], &hard) || !ParseMemory(words[i + 2], &soft) ||
               !ParseInt64(words[i + 3], &secs) || secs < 0) {
             return std::string(
                 "Error in hard, soft or soft_seconds setting in buffer limit configuration.");
           }
           if (cls == "normal") {
             normal = {hard, soft, secs};
             has_normal = true;
           }
         }
         if (has_normal) {
           std::lock_guard<std::mutex> g(c.mu());
           c.output_limit_normal = normal;
         }
         return std::string();
       }},
      StringParam("requirepass", true, &Config::requirepass),
      StringParam("dir", false, &Config::dir),
      {"appendfsync", true,
       [](Config& c) {
         std::lock_guard<std::mutex> g(c.mu());
         return c.appendfsync;
       },
       [](Config& c, const std::vector<std::string>& a) {
         std::string v;
         std::string err = OneOf(a[0], {"everysec", "always", "no"}, &v);
         if (err.empty()) {
           std::lock_guard<std::mutex> g(c.mu());
           c.appendfsync = v;
         }
         return err;
       }},
      {"threads", false, [](Config& c) { return std::to_string(c.threads); },
       [](Config& c, const std::vector<std::string>& a) {
         int64_t n;
         std::string err = ParseIntIn(a[0], 0, 256, &n);
         if (err.empty()) c.threads = static_cast<int>(n);
         return err;
       }},
      {"loglevel", true,
       [](Config& c) {
         std::lock_guard<std::mutex> g(c.mu());
         return c.loglevel;
       },
       [](Config& c, const std::vector<std::string>& a) {
         std::string v;
         std::string err = OneOf(a[0], {"debug", "verbose", "notice", "warning"}, &v);
         if (err.empty()) {
           std::lock_guard<std::mutex> g(c.mu());
           c.loglevel = v;
         }
         return err;
       }},
      StringParam("logfile", false, &Config::logfile),
      StringParam("pidfile", false, &Config::pidfile),
      PlainMemParam("rocksdb-block-cache-size", &Config::rocksdb_block_cache_size),
      PlainMemParam("rocksdb-write-buffer-size", &Config::rocksdb_write_buffer_size),
      {"rocksdb-bloom-bits", false, [](Config& c) { return std::to_string(c.rocksdb_bloom_bits); },
       [](Config& c, const std::vector<std::string>& a) {
         return ParseIntIn(a[0], 0, 64, &c.rocksdb_bloom_bits);
       }},
      {"rocksdb-ttl-check-seconds", false,
       [](Config& c) { return std::to_string(c.rocksdb_ttl_check_seconds); },
       [](Config& c, const std::vector<std::string>& a) {
         return ParseIntIn(a[0], 1, 86400, &c.rocksdb_ttl_check_seconds);
       }},
      StringParam("cluster-myself", false, &Config::cluster_myself),
      StringParam("cluster-nodes", false, &Config::cluster_nodes),
      {"cluster-vnodes", false, [](Config& c) { return std::to_string(c.cluster_vnodes); },
       [](Config& c, const std::vector<std::string>& a) {
         return ParseIntIn(a[0], 1, 16384, &c.cluster_vnodes);
       }},
      {"cluster-forward-timeout", false,
       [](Config& c) { return std::to_string(c.cluster_forward_timeout); },
       [](Config& c, const std::vector<std::string>& a) {
         return ParseIntIn(a[0], 1, 3600000, &c.cluster_forward_timeout);
       }},
      {"cluster-peer-connections", false,
       [](Config& c) { return std::to_string(c.cluster_peer_connections); },
       [](Config& c, const std::vector<std::string>& a) {
         return ParseIntIn(a[0], 1, 64, &c.cluster_peer_connections);
       }},
      // Compatibility: clients and tools read these. ringkv has no RDB snapshots, one database,
      // and its RocksDB write-ahead log is always on (an append-only log), so these are fixed.
      {"daemonize", false, [](Config&) { return std::string("no"); },
       [](Config&, const std::vector<std::string>& a) {
         bool b = false;
         std::string err = ParseBool(a[0], &b);
         if (err.empty() && b) err = "ringkv does not daemonize; run it under a service manager";
         return err;
       }},
      {"save", false, [](Config&) { return std::string(""); },
       [](Config&, const std::vector<std::string>&) { return std::string(); }},
      {"appendonly", false, [](Config&) { return std::string("yes"); },
       [](Config&, const std::vector<std::string>& a) {
         bool b = false;
         return ParseBool(a[0], &b);
       }},
      // A database index is one byte of the stored key (storage.h): at most 256 databases.
      {"databases", false, [](Config& c) { return std::to_string(c.databases); },
       [](Config& c, const std::vector<std::string>& a) {
         return ParseIntIn(a[0], 1, 256, &c.databases);
       }},
      // What OBJECT ENCODING reports (issue 10); the *-ziplist-* names are Redis's aliases.
      IntParam("hash-max-listpack-entries", true, &Config::hash_max_listpack_entries, 0, INT64_MAX),
      IntParam("hash-max-ziplist-entries", true, &Config::hash_max_listpack_entries, 0, INT64_MAX),
      IntParam("hash-max-listpack-value", true, &Config::hash_max_listpack_value, 0, INT64_MAX),
      IntParam("hash-max-ziplist-value", true, &Config::hash_max_listpack_value, 0, INT64_MAX),
      IntParam("set-max-intset-entries", true, &Config::set_max_intset_entries, 0, INT64_MAX),
      IntParam("zset-max-listpack-entries", true, &Config::zset_max_listpack_entries, 0, INT64_MAX),
      IntParam("zset-max-ziplist-entries", true, &Config::zset_max_listpack_entries, 0, INT64_MAX),
      IntParam("zset-max-listpack-value", true, &Config::zset_max_listpack_value, 0, INT64_MAX),
      IntParam("zset-max-ziplist-value", true, &Config::zset_max_listpack_value, 0, INT64_MAX),
      IntParam("list-max-listpack-size", true, &Config::list_max_listpack_size, INT32_MIN,
               INT32_MAX),
      IntParam("list-max-ziplist-size", true, &Config::list_max_listpack_size, INT32_MIN,
               INT32_MAX),
  };
  return params;
}

const Param* FindParam(const std::string& name) {
  for (const Param& p : Params()) {
    if (EqualsIgnoreCase(p.name, name)) return &p;
  }
  return nullptr;
}

// redis.conf line splitting (sdssplitargs rules, simplified: quotes and common escapes).
bool SplitLine(const std::string& line, std::vector<std::string>* out) {
  out->clear();
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size()) break;
    std::string word;
    char quote = 0;
    if (line[i] == '"' || line[i] == '\'') quote = line[i++];
    bool closed = quote == 0;
    while (i < line.size()) {
      char c = line[i];
      if (quote == 0 && std::isspace(static_cast<unsigned char>(c))) break;
      if (quote != 0 && c == quote) {
        closed = true;
        ++i;
        break;
      }
      if (quote == '"' && c == '\\' && i + 1 < line.size()) {
        char n = line[++i];
        word += n == 'n' ? '\n' : n == 'r' ? '\r' : n == 't' ? '\t' : n;
      } else {
        word += c;
      }
      ++i;
    }
    if (!closed) return false;
    out->push_back(word);
  }
  return true;
}

}  // namespace

Status Config::Apply(const std::vector<std::string>& words, bool at_startup) {
  if (words.empty()) return Status::OK();
  const Param* p = FindParam(words[0]);
  std::vector<std::string> args(words.begin() + 1, words.end());
  bool multi_word = EqualsIgnoreCase(words[0], "bind") ||
                    EqualsIgnoreCase(words[0], "cluster-nodes") ||
                    EqualsIgnoreCase(words[0], "client-output-buffer-limit") ||
                    EqualsIgnoreCase(words[0], "save");
  if (p == nullptr || args.empty() || (!multi_word && args.size() != 1)) {
    return Status::Err("Bad directive or wrong number of arguments");
  }
  if (!at_startup && !p->mutable_at_runtime) return Status::Err("can't set immutable config");
  if (EqualsIgnoreCase(words[0], "cluster-nodes") && args.size() > 1) {
    std::string joined;  // "a@h:1 b@h:2" given as separate words
    for (const auto& a : args) joined += (joined.empty() ? "" : ",") + a;
    args = {joined};
  }
  std::string err = p->set(*this, args);
  if (!err.empty()) return Status::Err(err);
  return Status::OK();
}

Status Config::LoadString(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    std::vector<std::string> words;
    Status st = SplitLine(line, &words) ? Apply(words, true)
                                        : Status::Err("Unbalanced quotes in configuration line");
    if (!st.ok()) {
      return Status::Err("\n*** FATAL CONFIG FILE ERROR (ringkv " + std::string(kRingkvVersion) +
                         ") ***\nReading the configuration file, at line " +
                         std::to_string(lineno) + "\n>>> '" + line + "'\n" + st.message());
    }
  }
  return Status::OK();
}

Status Config::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IOError("Fatal error, can't open config file '" + path + "'");
  std::stringstream ss;
  ss << in.rdbuf();
  char resolved[4096];
  config_file = realpath(path.c_str(), resolved) != nullptr ? resolved : path;
  return LoadString(ss.str());
}

// As redis-server: an optional config file first (or "-" for stdin), then "--name value ..."
// options, each turned into a config line appended after the file's contents.
Status Config::LoadFromArgs(int argc, char** argv) {
  int i = 1;
  std::string text;
  if (i < argc && argv[i][0] != '-') {
    std::ifstream in(argv[i]);
    if (!in)
      return Status::IOError(std::string("Fatal error, can't open config file '") + argv[i] + "'");
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
    char resolved[4096];
    config_file = realpath(argv[i], resolved) != nullptr ? resolved : argv[i];
    ++i;
  }
  std::string options;
  for (; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) == 0) {
      if (!options.empty()) options += '\n';
      options += arg.substr(2);
    } else {
      // Quote each value so spaces and empty strings survive the line splitter.
      options += " \"";
      for (char c : arg) {
        if (c == '"' || c == '\\') options += '\\';
        options += c;
      }
      options += '"';
    }
  }
  if (!options.empty()) text += "\n" + options + "\n";
  return LoadString(text);
}

std::vector<std::pair<std::string, std::string>> Config::Get(
    const std::vector<std::string>& patterns) {
  // As Redis 7.0: a name without glob characters is answered under the spelling the client
  // used ("TIMEOUT"), a pattern under the parameters' own names.
  std::vector<std::pair<std::string, std::string>> out;
  for (const Param& p : Params()) {
    for (const std::string& pat : patterns) {
      if (GlobMatch(pat, p.name, true)) {
        bool plain = pat.find_first_of("*?[\\") == std::string::npos;
        out.emplace_back(plain ? pat : std::string(p.name), p.get(*this));
        break;
      }
    }
  }
  return out;
}

Status Config::Set(const std::vector<std::pair<std::string, std::string>>& pairs) {
  // Validate everything first (names, mutability, values on a scratch config), then apply.
  for (size_t i = 0; i < pairs.size(); ++i) {
    const Param* p = FindParam(pairs[i].first);
    if (p == nullptr) {
      return Status::Err("Unknown option or number of arguments for CONFIG SET - '" +
                         pairs[i].first + "'");
    }
    for (size_t j = 0; j < i; ++j) {
      if (EqualsIgnoreCase(pairs[j].first, pairs[i].first)) {
        return Status::Err("CONFIG SET failed (possibly related to argument '" + pairs[i].first +
                           "') - duplicate parameter");
      }
    }
    if (!p->mutable_at_runtime) {
      return Status::Err("CONFIG SET failed (possibly related to argument '" + pairs[i].first +
                         "') - can't set immutable config");
    }
    Config scratch;
    std::string err = p->set(scratch, {pairs[i].second});
    if (!err.empty()) {
      return Status::Err("CONFIG SET failed (possibly related to argument '" + pairs[i].first +
                         "') - " + err);
    }
  }
  for (const auto& [name, value] : pairs) {
    std::string err = FindParam(name)->set(*this, {value});
    (void)err;  // validated above
  }
  return Status::OK();
}

int Config::EffectiveThreads() const {
  if (threads > 0) return threads;
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

}  // namespace ringkv
