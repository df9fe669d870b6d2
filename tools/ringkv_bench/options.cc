// ringkv-bench's command line: wrk2-style short options (-c -t -d -R) plus --long=value forms.

#include "tools/ringkv_bench/options.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace ringkv {
namespace bench {
namespace {

const char kUsage[] = R"(Usage: ringkv-bench [options]

Open-loop load generator for Redis-protocol servers (ringkv, Redis, twemproxy). Requests are
sent at fixed intended times; latency is measured from the intended time, so a stalled server
shows up in the percentiles (coordinated omission corrected, as in wrk2).

Connection:
  -h, --hosts H:P[,H:P...]  entry nodes; connections are spread over them round-robin
                            (default 127.0.0.1:6379)
  -c, --connections N       connections in all (default 50)
  -t, --threads N           threads, each with its own event loop (default 1)
  -a, --password PASS       send AUTH PASS on every connection
Timed run (runs when --rate is given):
  -R, --rate N              requests/s over all connections (required for a timed run)
  -d, --duration T          measured time, e.g. 60, 60s, 2m (default 10s)
      --warmup T            run at the rate for T before measuring (default 0)
  -r, --reads F             fraction of GETs, the rest SETs, 0..1 (default 0.9)
      --ttl S               SETs carry EX S (default: no TTL)
  -s, --value-size N        SET value size in bytes (default 100)
  -k, --keys N              key space k0..k(N-1) (default: --load N, else 1000000)
      --dist uniform|zipf   key choice (default uniform)
      --zipf-theta X        zipf exponent, 0 < X < 1 (default 0.99)
      --keys-owned-by NODE  use only the keys of the key space that cluster node NODE (its
                            id, e.g. n1, or host:port as in CLUSTER NODES) owns; the owners are
                            asked at start-up with pipelined CLUSTER KEYNODE <key> calls to the
                            first --hosts entry
      --keys-not-owned-by NODE
                            use only the keys that NODE does not own: entered through NODE,
                            every request is forwarded
      --max-inflight N      per-connection cap on requests in flight; when every connection
                            is full, sending pauses and the delay is charged to latency
                            (default 1000)
      --drain T             after the schedule ends, wait up to T for replies (default 10s)
Load:
  -l, --load N              first write k0..k(N-1) (SET, value of --value-size, --ttl applies)
                            as fast as possible and report the rate; without --rate, only load
  -P, --pipeline N          SETs in flight per connection while loading (default 64)
Other:
      --key-prefix S        key name prefix (default "k")
      --seed N              random seed (default: from the clock)
      --help                this text

Example (the 1M-key experiment):
  ringkv-bench --hosts 127.0.0.1:7001 --load 1000000 -P 64
  ringkv-bench --hosts 127.0.0.1:7001,127.0.0.1:7002,127.0.0.1:7003 -R 10000 -d 60 -r 1 -k 1000000
Local against forwarded GETs, entered through node n1 (127.0.0.1:7001) of a ringkv cluster:
  ringkv-bench --hosts 127.0.0.1:7001 -R 1000 -d 60 -r 1 -k 1000000 --keys-owned-by n1
  ringkv-bench --hosts 127.0.0.1:7001 -R 1000 -d 60 -r 1 -k 1000000 --keys-not-owned-by n1
)";

[[noreturn]] void UsageError(const std::string& msg) {
  std::fprintf(stderr, "ringkv-bench: %s (see --help)\n", msg.c_str());
  std::exit(2);
}

// "10", "10s", "1.5m", "1h", "250ms" -> seconds.
double ParseDuration(const std::string& name, const std::string& s) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || errno != 0 || v < 0) UsageError("bad value for " + name + ": " + s);
  std::string unit(end);
  if (unit.empty() || unit == "s") return v;
  if (unit == "ms") return v / 1000;
  if (unit == "m") return v * 60;
  if (unit == "h") return v * 3600;
  UsageError("bad unit for " + name + ": " + s);
}

double ParseDouble(const std::string& name, const std::string& s, double lo, double hi) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || errno != 0 || v < lo || v > hi) {
    UsageError("bad value for " + name + ": " + s);
  }
  return v;
}

uint64_t ParseCount(const std::string& name, const std::string& s, uint64_t lo, uint64_t hi) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (s.empty() || s[0] == '-' || end == s.c_str() || *end != '\0' || errno != 0 || v < lo ||
      v > hi) {
    UsageError("bad value for " + name + ": " + s);
  }
  return v;
}

std::vector<HostPort> ParseHosts(const std::string& s) {
  std::vector<HostPort> hosts;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    std::string item = s.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    size_t colon = item.rfind(':');
    if (item.empty() || colon == std::string::npos || colon == 0) {
      UsageError("bad host (want host:port): " + item);
    }
    HostPort hp;
    hp.host = item.substr(0, colon);
    hp.port = static_cast<int>(ParseCount("port", item.substr(colon + 1), 1, 65535));
    hosts.push_back(hp);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  return hosts;
}

}  // namespace

Options ParseArgs(int argc, char** argv) {
  Options opt;
  bool keys_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_inline_value = false;
    if (arg.rfind("--", 0) == 0) {
      size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
        has_inline_value = true;
      }
    }
    if (arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    auto next = [&]() -> std::string {
      if (has_inline_value) return value;
      if (i + 1 >= argc) UsageError(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "-h" || arg == "--hosts") {
      opt.hosts = ParseHosts(next());
    } else if (arg == "-c" || arg == "--connections") {
      opt.connections = static_cast<int>(ParseCount(arg, next(), 1, 100000));
    } else if (arg == "-t" || arg == "--threads") {
      opt.threads = static_cast<int>(ParseCount(arg, next(), 1, 1024));
    } else if (arg == "-a" || arg == "--password") {
      opt.password = next();
    } else if (arg == "-R" || arg == "--rate") {
      opt.rate = ParseDouble(arg, next(), 0.001, 1e9);
    } else if (arg == "-d" || arg == "--duration") {
      opt.duration_s = ParseDuration(arg, next());
    } else if (arg == "--warmup") {
      opt.warmup_s = ParseDuration(arg, next());
    } else if (arg == "-r" || arg == "--reads") {
      opt.reads = ParseDouble(arg, next(), 0, 1);
    } else if (arg == "--ttl") {
      opt.ttl_s = static_cast<int64_t>(ParseCount(arg, next(), 0, 1ULL << 40));
    } else if (arg == "-s" || arg == "--value-size") {
      opt.value_size = ParseCount(arg, next(), 0, 512ULL << 20);
    } else if (arg == "-k" || arg == "--keys") {
      opt.keys = ParseCount(arg, next(), 1, 1ULL << 48);
      keys_given = true;
    } else if (arg == "--dist") {
      std::string d = next();
      if (d == "uniform") {
        opt.dist = Dist::kUniform;
      } else if (d == "zipf" || d == "zipfian") {
        opt.dist = Dist::kZipf;
      } else {
        UsageError("--dist must be uniform or zipf");
      }
    } else if (arg == "--keys-owned-by" || arg == "--keys-not-owned-by") {
      if (opt.owner_filter != OwnerFilter::kAll) {
        UsageError("give one of --keys-owned-by and --keys-not-owned-by");
      }
      opt.owner_filter =
          arg == "--keys-owned-by" ? OwnerFilter::kOwnedBy : OwnerFilter::kNotOwnedBy;
      opt.owner_node = next();
      if (opt.owner_node.empty()) UsageError(arg + " needs a node id or host:port");
    } else if (arg == "--zipf-theta") {
      opt.zipf_theta = ParseDouble(arg, next(), 0.01, 0.999);
    } else if (arg == "--max-inflight") {
      opt.max_inflight = static_cast<int>(ParseCount(arg, next(), 1, 1 << 24));
    } else if (arg == "--drain") {
      opt.drain_s = ParseDuration(arg, next());
    } else if (arg == "-l" || arg == "--load") {
      opt.load = ParseCount(arg, next(), 1, 1ULL << 48);
    } else if (arg == "-P" || arg == "--pipeline") {
      opt.pipeline = static_cast<int>(ParseCount(arg, next(), 1, 1 << 20));
    } else if (arg == "--key-prefix") {
      opt.key_prefix = next();
    } else if (arg == "--seed") {
      opt.seed = ParseCount(arg, next(), 0, UINT64_MAX);
    } else {
      UsageError("unknown option " + arg);
    }
  }
  if (opt.hosts.empty()) opt.hosts = ParseHosts("127.0.0.1:6379");
  if (!keys_given) opt.keys = opt.load > 0 ? opt.load : 1000000;
  if (opt.rate <= 0 && opt.load == 0) UsageError("give --rate (timed run) and/or --load N");
  if (opt.owner_filter != OwnerFilter::kAll && opt.rate <= 0) {
    UsageError(
        "--keys-owned-by and --keys-not-owned-by choose keys for the timed run: give --rate");
  }
  if (opt.threads > opt.connections) UsageError("--threads must not exceed --connections");
  if (opt.rate > 0 && opt.duration_s <= 0) UsageError("--duration must be positive");
  if (opt.seed == 0) {
    opt.seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  return opt;
}

std::string HostList(const Options& opt) {
  std::string s;
  for (const HostPort& h : opt.hosts) s += (s.empty() ? "" : ",") + h.Name();
  return s;
}

}  // namespace bench
}  // namespace ringkv
