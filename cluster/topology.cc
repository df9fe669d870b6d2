// Node list parsing and the topology fingerprint.
//
// The fingerprint hashes a length-prefixed text encoding so that no two different node lists can
// encode to the same bytes ("a" + "b,c" vs "a,b" + "c"), and sorts by id first so that the order
// in which an operator lists the nodes does not matter (the ring does not depend on it either:
// ring.cc breaks point ties by id, not by list position).

#include "cluster/topology.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <set>

namespace ringkv::cluster {

namespace {

bool IsSeparator(char c) { return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Printable ASCII without the characters the list syntax uses.
bool ValidIdChar(char c) { return c > ' ' && c < 0x7f && c != '@' && c != ','; }

bool ValidHostChar(char c) { return c > ' ' && c < 0x7f && c != '@' && c != ','; }

bool ParsePort(std::string_view s, int* port) {
  if (s.empty() || s.size() > 5) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > 65535) return false;
  *port = v;
  return true;
}

// One "id@host:port" entry. Sets *error (naming the entry) on failure.
bool ParseEntry(std::string_view entry, NodeInfo* node, std::string* error) {
  auto fail = [&](const char* what) {
    *error = std::string(what) + " in cluster-nodes entry '" + std::string(entry) +
             "' (expected id@host:port)";
    return false;
  };
  size_t at = entry.find('@');
  if (at == std::string_view::npos) return fail("missing '@'");
  std::string_view id = entry.substr(0, at);
  std::string_view addr = entry.substr(at + 1);
  if (id.empty()) return fail("empty node id");
  if (id.size() > kMaxNodeIdLength) return fail("node id too long");
  if (!std::all_of(id.begin(), id.end(), ValidIdChar)) return fail("bad character in node id");

  std::string_view host, port;
  if (!addr.empty() && addr.front() == '[') {
    size_t close = addr.find(']');
    if (close == std::string_view::npos) return fail("unterminated '[' in host");
    host = addr.substr(0, close + 1);
    std::string_view rest = addr.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return fail("missing port");
    port = rest.substr(1);
    if (host.size() == 2) return fail("empty host");
  } else {
    size_t colon = addr.rfind(':');
    if (colon == std::string_view::npos) return fail("missing port");
    host = addr.substr(0, colon);
    port = addr.substr(colon + 1);
    if (host.empty()) return fail("empty host");
    if (host.find(':') != std::string_view::npos) {
      return fail("IPv6 address without brackets");
    }
  }
  if (!std::all_of(host.begin(), host.end(), ValidHostChar)) return fail("bad character in host");
  if (!ParsePort(port, &node->port)) return fail("bad port");
  node->id = std::string(id);
  node->host = std::string(host);
  return true;
}

bool CheckUnique(const std::vector<NodeInfo>& nodes, std::string* error) {
  std::set<std::string_view> ids;
  std::set<std::string> addresses;
  for (const NodeInfo& n : nodes) {
    if (!ids.insert(n.id).second) {
      *error = "duplicate node id '" + n.id + "' in cluster-nodes";
      return false;
    }
    if (!addresses.insert(n.Address()).second) {
      *error = "duplicate address " + n.Address() + " in cluster-nodes (node '" + n.id + "')";
      return false;
    }
  }
  return true;
}

}  // namespace

std::string NodeInfo::Address() const { return host + ":" + std::to_string(port); }

int Topology::IndexOf(std::string_view id) const {
  for (size_t i = 0; i < nodes.size(); i++) {
    if (nodes[i].id == id) return static_cast<int>(i);
  }
  return -1;
}

bool ParseNodeList(std::string_view text, std::vector<NodeInfo>* out, std::string* error) {
  out->clear();
  size_t i = 0;
  while (i < text.size()) {
    if (IsSeparator(text[i])) {
      i++;
      continue;
    }
    size_t j = i;
    while (j < text.size() && !IsSeparator(text[j])) j++;
    NodeInfo node;
    if (!ParseEntry(text.substr(i, j - i), &node, error)) return false;
    out->push_back(std::move(node));
    i = j;
  }
  if (out->empty()) {
    *error = "cluster-nodes is empty (expected id@host:port,...)";
    return false;
  }
  return CheckUnique(*out, error);
}

bool ValidateTopology(const Topology& topology, std::string* error) {
  if (topology.nodes.empty()) {
    *error = "cluster-nodes is empty (expected id@host:port,...)";
    return false;
  }
  for (const NodeInfo& n : topology.nodes) {
    // Round-trip through the parser so hand-built topologies obey the same rules.
    NodeInfo parsed;
    if (!ParseEntry(n.id + "@" + n.Address(), &parsed, error)) return false;
    if (!(parsed == n)) {
      *error = "node '" + n.id + "' does not survive a round trip through cluster-nodes syntax";
      return false;
    }
  }
  if (!CheckUnique(topology.nodes, error)) return false;
  if (topology.vnodes < 1 || topology.vnodes > kMaxVnodes) {
    *error = "cluster-vnodes must be between 1 and " + std::to_string(kMaxVnodes) + ", got " +
             std::to_string(topology.vnodes);
    return false;
  }
  if (topology.myself.empty()) {
    *error = "cluster-myself is not set";
    return false;
  }
  if (topology.MyIndex() < 0) {
    *error = "cluster-myself '" + topology.myself + "' is not in cluster-nodes";
    return false;
  }
  return true;
}

bool ParseTopology(std::string_view myself, std::string_view nodes, int vnodes, Topology* out,
                   std::string* error) {
  out->myself = std::string(myself);
  out->vnodes = vnodes;
  if (!ParseNodeList(nodes, &out->nodes, error)) return false;
  return ValidateTopology(*out, error);
}

uint64_t Fingerprint(const Topology& topology) {
  std::vector<const NodeInfo*> sorted;
  sorted.reserve(topology.nodes.size());
  for (const NodeInfo& n : topology.nodes) sorted.push_back(&n);
  std::sort(sorted.begin(), sorted.end(),
            [](const NodeInfo* a, const NodeInfo* b) { return a->id < b->id; });
  // Canonical encoding, version 1:
  //   "ringkv-topology-v1;vnodes=<n>;" then per node "<len>:<id>,<len>:<host>,<port>;"
  std::string enc = "ringkv-topology-v1;vnodes=" + std::to_string(topology.vnodes) + ";";
  for (const NodeInfo* n : sorted) {
    enc += std::to_string(n->id.size()) + ":" + n->id + ",";
    enc += std::to_string(n->host.size()) + ":" + n->host + ",";
    enc += std::to_string(n->port) + ";";
  }
  return XXH3_64bits(enc.data(), enc.size());
}

std::string FingerprintHex(uint64_t fingerprint) {
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(fingerprint));
  return buf;
}

}  // namespace ringkv::cluster
