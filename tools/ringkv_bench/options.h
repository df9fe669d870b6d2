#pragma once
// ringkv-bench's command line: the options of one run and their parsing.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ringkv {
namespace bench {

struct HostPort {
  std::string host;
  int port = 0;
  std::string Name() const { return host + ":" + std::to_string(port); }
};

enum class Dist { kUniform, kZipf };

// --keys-owned-by / --keys-not-owned-by: the timed run uses only the keys that a node owns, or
// only those it does not own (asked with CLUSTER KEYNODE).
enum class OwnerFilter { kAll, kOwnedBy, kNotOwnedBy };

struct Options {
  std::vector<HostPort> hosts;
  int connections = 50;
  int threads = 1;
  double duration_s = 10;
  double warmup_s = 0;
  double rate = 0;  // requests/s over all threads; 0 = no timed run
  double reads = 0.9;
  int64_t ttl_s = 0;
  size_t value_size = 100;
  uint64_t keys = 0;  // 0 = --load N if given, else 1,000,000
  Dist dist = Dist::kUniform;
  double zipf_theta = 0.99;
  OwnerFilter owner_filter = OwnerFilter::kAll;
  std::string owner_node;  // id or host:port, for owner_filter
  uint64_t load = 0;
  int pipeline = 64;
  int max_inflight = 1000;
  double drain_s = 10;
  std::string password;
  std::string key_prefix = "k";
  uint64_t seed = 0;
};

// Parses argv. Prints the usage and exits with 0 on --help; prints the problem and exits with 2
// on a bad option or value. Fills the defaults that depend on other options (keys, seed).
Options ParseArgs(int argc, char** argv);

// "host:port,host:port" as given in --hosts.
std::string HostList(const Options& opt);

}  // namespace bench
}  // namespace ringkv
