#pragma once
// Where a key sits on the ring: XXH3-64 of the key, or of its hash tag, by Redis Cluster's rule
// (the bytes between the first '{' and the first '}' after it, when that span is non-empty).
// Header-only so that storage can order its keys by ring position without linking cluster/.
// Pure functions; thread-safe.

#include <xxhash.h>

#include <cstdint>
#include <string_view>

namespace ringkv::cluster {

// The part of a key that is hashed: "{user1}.a" -> "user1"; "{}a", "a{", "a" -> the whole key.
inline std::string_view HashTag(std::string_view key) {
  size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

// The key's position on the ring (0 .. 2^64-1).
inline uint64_t KeyHash(std::string_view key) {
  std::string_view tag = HashTag(key);
  return XXH3_64bits(tag.data(), tag.size());
}

}  // namespace ringkv::cluster
