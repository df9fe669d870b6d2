#pragma once
// Key selection by owner for ringkv-bench's --keys-owned-by / --keys-not-owned-by: which of the
// keys <prefix>0..<prefix>(n-1) a cluster node owns. The owners come from CLUSTER KEYNODE (asked
// in ringkv_bench.cc); the selection itself is here, header-only, so that tests can drive it with
// a fake lookup.

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace ringkv {
namespace bench {

// One CLUSTER KEYNODE answer: the owner's id and its host:port.
struct KeyOwner {
  std::string id;
  std::string address;
};

// NODE as given on the command line names a node by id ("n1") or by address ("127.0.0.1:7001").
inline bool NodeMatches(const std::string& node, const KeyOwner& owner) {
  return node == owner.id || node == owner.address;
}

// The indexes i in [0, n) whose owner matches NODE (owned = true) or does not (owned = false),
// in increasing order. lookup(first, count, &owners) must fill owners with the owners of keys
// first..first+count-1 and return true, or set *err and return false; it is called with count
// <= batch. Fails (false, *err set) when the lookup fails, or when no key at all is owned by
// NODE: a NODE that names no node would otherwise select every key (or none) without a word.
template <typename Lookup>
bool SelectKeysByOwner(uint64_t n, size_t batch, const std::string& node, bool owned,
                       Lookup&& lookup, std::vector<uint64_t>* out, std::string* err) {
  out->clear();
  std::vector<KeyOwner> owners;
  std::set<std::string> seen;  // "id (address)" of every owner met, for the error message
  uint64_t matched = 0;
  for (uint64_t first = 0; first < n; first += batch) {
    size_t count = static_cast<size_t>(n - first < batch ? n - first : batch);
    owners.clear();
    if (!lookup(first, count, &owners)) return false;
    if (owners.size() != count) {
      *err = "asked the owners of " + std::to_string(count) + " keys, got " +
             std::to_string(owners.size());
      return false;
    }
    for (size_t j = 0; j < count; ++j) {
      bool match = NodeMatches(node, owners[j]);
      if (match) ++matched;
      if (seen.size() < 64) seen.insert(owners[j].id + " (" + owners[j].address + ")");
      if (match == owned) out->push_back(first + j);
    }
  }
  if (matched == 0) {
    std::string list;
    for (const std::string& s : seen) list += (list.empty() ? "" : ", ") + s;
    *err = "no key is owned by '" + node + "'; the owners are " + (list.empty() ? "none" : list);
    return false;
  }
  if (out->empty()) {
    *err = "every key is owned by '" + node + "': no key is left to select";
    return false;
  }
  return true;
}

}  // namespace bench
}  // namespace ringkv
