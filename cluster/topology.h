#pragma once
// The cluster's node table, as configured: `cluster-myself <id>`, `cluster-nodes
// id@host:port,...` (the same list on every node) and `cluster-vnodes`. Parsing validates the
// list and reports the first problem as a readable sentence; the fingerprint lets two nodes check
// at handshake that they build the same ring.
//
// Plain values and pure functions; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ringkv::cluster {

inline constexpr int kDefaultVnodes = 256;
inline constexpr int kMaxVnodes = 16384;
inline constexpr size_t kMaxNodeIdLength = 128;

struct NodeInfo {
  std::string id;    // printable ASCII, no whitespace, '@' or ','; unique in a topology
  std::string host;  // name or IPv4 address; IPv6 is written in brackets: "[::1]"
  int port = 0;      // 1..65535

  // "host:port" (brackets kept for IPv6), as used in logs and error texts.
  std::string Address() const;
  bool operator==(const NodeInfo& o) const {
    return id == o.id && host == o.host && port == o.port;
  }
};

struct Topology {
  std::string myself;           // id of this node; must be one of `nodes`
  std::vector<NodeInfo> nodes;  // in configuration order; ring owners are indexes into this
  int vnodes = kDefaultVnodes;  // virtual nodes per node, 1..kMaxVnodes

  // Index of the node with this id in `nodes`, or -1.
  int IndexOf(std::string_view id) const;
  // IndexOf(myself).
  int MyIndex() const { return IndexOf(myself); }
};

// Parses a `cluster-nodes` value: entries "id@host:port" separated by commas and/or whitespace
// (empty entries between separators are ignored). On success fills *out (replacing its contents)
// and returns true. On failure returns false, leaves *out unspecified and sets *error to a
// sentence naming the offending entry, e.g. `bad port in cluster-nodes entry 'a@h:99999'`.
// Duplicate ids and duplicate host:port pairs are errors; an empty list is an error.
bool ParseNodeList(std::string_view text, std::vector<NodeInfo>* out, std::string* error);

// Checks a whole topology: valid node entries, unique ids and addresses, vnodes within
// 1..kMaxVnodes, and `myself` present in the list. Returns true, or false with *error set.
bool ValidateTopology(const Topology& topology, std::string* error);

// ParseNodeList + ValidateTopology. On failure *out is unspecified and *error is set.
bool ParseTopology(std::string_view myself, std::string_view nodes, int vnodes, Topology* out,
                   std::string* error);

// XXH3-64 over a canonical encoding of the ring-relevant configuration: the node list sorted by
// id (id, host and port of each) and vnodes. `myself` and the listed order do not matter, so every
// node of one cluster computes the same value; any other difference changes it. The encoding is
// fixed (see topology.cc) so the value is the same on every platform and build.
uint64_t Fingerprint(const Topology& topology);

// 16 lowercase hex digits, zero-padded: the form sent in the peer handshake.
std::string FingerprintHex(uint64_t fingerprint);

}  // namespace ringkv::cluster
