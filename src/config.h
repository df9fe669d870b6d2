#pragma once
// Server configuration, read as redis-server reads it: `ringkv-server [file.conf] [--name value
// ...]` in redis.conf syntax. Every parameter lives in one table (config.cc) that drives parsing,
// CONFIG GET (glob patterns) and CONFIG SET (only the ones marked mutable).
// Thread-safety: values are written at startup and by CONFIG SET on a worker thread; the fields
// read on hot paths are atomics or are read under mu().

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "status.h"

namespace ringkv {

struct OutputLimit {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t soft_seconds = 0;
};

struct Config {
  // network
  int port = 6379;
  std::vector<std::string> bind = {"127.0.0.1", "-::1"};
  std::atomic<bool> protected_mode{true};
  int tcp_backlog = 511;
  std::atomic<int64_t> tcp_keepalive{300};
  std::atomic<int64_t> timeout{0};  // seconds idle before a client is closed; 0 = never
  std::atomic<int64_t> maxclients{10000};
  // limits
  std::atomic<int64_t> proto_max_bulk_len{512LL * 1024 * 1024};
  std::atomic<int64_t> client_query_buffer_limit{1024LL * 1024 * 1024};
  OutputLimit output_limit_normal;  // client-output-buffer-limit normal
  // security
  std::string requirepass;  // guarded by mu_ after startup
  // storage
  std::string dir = "./data";
  std::string appendfsync = "everysec";  // always | everysec | no
  int64_t rocksdb_block_cache_size = 256LL * 1024 * 1024;
  int64_t rocksdb_write_buffer_size = 16LL * 1024 * 1024;
  int64_t rocksdb_bloom_bits = 10;
  int64_t rocksdb_ttl_check_seconds = 60;  // how often the dead-data trigger looks at SST files
  // cluster (empty cluster_nodes = a single node)
  std::string cluster_myself;
  std::string cluster_nodes;  // "id@host:port,id@host:port,..." (the same on every node)
  int64_t cluster_vnodes = 256;
  int64_t cluster_forward_timeout = 1000;  // ms
  int64_t cluster_peer_connections = 1;
  // data model (issue 10)
  int64_t databases = 16;  // 1..256: a database index is one byte of the stored key
  std::atomic<int64_t> hash_max_listpack_entries{128};
  std::atomic<int64_t> hash_max_listpack_value{64};
  std::atomic<int64_t> set_max_intset_entries{512};
  std::atomic<int64_t> zset_max_listpack_entries{128};
  std::atomic<int64_t> zset_max_listpack_value{64};
  std::atomic<int64_t> list_max_listpack_size{-2};
  // process
  int threads = 0;  // 0 = number of cores
  std::string loglevel = "notice";
  std::string logfile;  // empty = stdout
  std::string pidfile;
  std::string config_file;  // absolute path of the file read at startup, if any

  std::mutex& mu() { return mu_; }
  std::string RequirePass() {
    std::lock_guard<std::mutex> g(mu_);
    return requirepass;
  }

  // Applies "name value..." (one redis.conf line split into words). Errors carry Redis's
  // text for CONFIG SET / startup ("Bad directive or wrong number of arguments", ...).
  Status Apply(const std::vector<std::string>& words, bool at_startup);
  // redis-server's argv handling: optional first argument = config file, then "--name value...".
  Status LoadFromArgs(int argc, char** argv);
  Status LoadFile(const std::string& path);
  Status LoadString(const std::string& text);
  // CONFIG GET: pairs of (name, value) for every parameter matching any of the glob patterns.
  std::vector<std::pair<std::string, std::string>> Get(const std::vector<std::string>& patterns);
  // CONFIG SET name value [name value ...]: atomic over the list, as Redis 7.
  Status Set(const std::vector<std::pair<std::string, std::string>>& pairs);
  int EffectiveThreads() const;

 private:
  std::mutex mu_;
};

}  // namespace ringkv
