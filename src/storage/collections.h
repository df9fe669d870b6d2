#pragma once
// The encodings of collections (issue 10): hashes, lists, sets and sorted sets.
//
// A collection is one metadata record plus one element record per field, item or member
// (storage.h explains the two keyspaces).
//
// Metadata (the payload of the key's value record, type kHash/kList/kSet/kZset):
//   [format:u8 = 1][version:u64 BE][size:u64 BE]                  hashes, sets, sorted sets
//   [format:u8 = 1][version:u64 BE][size:u64 BE][head:u64 BE][tail:u64 BE]   lists
// `version` names one incarnation of the key: a collection created after a DEL, an overwrite or
// an expiry gets a new version, so the old incarnation's elements are unreachable at once.
//
// Element keys:
//   [KeyHash(user key):u64 BE][qualified key length:u32 BE][qualified key][version:u64 BE][sub]
// The ring hash comes first, so a key's elements lie in the same ring range as the key; the
// length keeps "a" and "ab" apart; the version makes one incarnation one contiguous range.
// `sub` and the element's value per type:
//   hash:  sub = field                                 value = the field's value
//   set:   sub = member                                value = empty
//   list:  sub = index:u64 BE (head <= index < tail)   value = the item
//   zset:  sub = 'm' member                            value = EncodeScore(score)
//          sub = 's' EncodeScore(score) member         value = empty (the score order index)
// Lists start with head = tail = kListMidpoint and grow both ways.
//
// Header-only, pure functions (NewVersion uses one atomic); thread-safe.

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "status.h"
#include "storage/key_codec.h"
#include "storage/storage.h"

namespace ringkv::storage {

inline constexpr uint8_t kMetaFormat = 1;
inline constexpr uint64_t kListMidpoint = uint64_t{1} << 63;
// Collections at least this big get their records reclaimed as soon as they die: DEL writes a
// range tombstone over them (WriteBatch::DeleteElementRange) and RocksStorage reaps expired
// ones; smaller ones wait for ordinary compactions (range tombstones are not free to read past).
inline constexpr uint64_t kBigCollection = 1024;

struct CollectionMeta {
  uint64_t version = 0;
  uint64_t size = 0;  // fields / items / members
  uint64_t head = kListMidpoint;  // lists: items live at indexes [head, tail)
  uint64_t tail = kListMidpoint;
};

inline bool IsCollection(ValueType type) { return type != ValueType::kString; }

// ---- fixed-width big-endian integers ----

inline void PutU64(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i) {
    buf[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
  out->append(buf, 8);
}

inline uint64_t GetU64(std::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(in[i]);
  return v;
}

// ---- versions ----

// A version no earlier call in this process returned, and larger than any returned before a
// restart as long as the wall clock does not go back: microseconds since the epoch, times 1024,
// bumped past the last one handed out.
inline uint64_t NewVersion() {
  static std::atomic<uint64_t> last{0};
  uint64_t now_us = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
  uint64_t candidate = now_us << 10;
  uint64_t prev = last.load(std::memory_order_relaxed);
  uint64_t next;
  do {
    next = candidate > prev ? candidate : prev + 1;
  } while (!last.compare_exchange_weak(prev, next, std::memory_order_relaxed));
  return next;
}

// ---- metadata ----

inline std::string EncodeMeta(ValueType type, const CollectionMeta& m) {
  std::string out;
  out.reserve(type == ValueType::kList ? 33 : 17);
  out.push_back(static_cast<char>(kMetaFormat));
  PutU64(&out, m.version);
  PutU64(&out, m.size);
  if (type == ValueType::kList) {
    PutU64(&out, m.head);
    PutU64(&out, m.tail);
  }
  return out;
}

inline Status DecodeMeta(ValueType type, std::string_view payload, CollectionMeta* m) {
  const size_t want = type == ValueType::kList ? 33 : 17;
  if (payload.size() != want || static_cast<uint8_t>(payload[0]) != kMetaFormat) {
    return Status::Corruption("bad collection metadata");
  }
  m->version = GetU64(payload.substr(1));
  m->size = GetU64(payload.substr(9));
  if (type == ValueType::kList) {
    m->head = GetU64(payload.substr(17));
    m->tail = GetU64(payload.substr(25));
  } else {
    m->head = m->tail = kListMidpoint;
  }
  return Status::OK();
}

// ---- element keys ----

// Every element key of (qualified_key, version) starts with this.
inline std::string ElementPrefix(std::string_view qualified_key, uint64_t version) {
  std::string out = EncodePrefix(QualifiedKeyHash(qualified_key));
  out.reserve(kPrefixSize + 4 + qualified_key.size() + 8 + 16);
  uint32_t len = static_cast<uint32_t>(qualified_key.size());
  char lb[4] = {static_cast<char>(len >> 24), static_cast<char>(len >> 16),
                static_cast<char>(len >> 8), static_cast<char>(len)};
  out.append(lb, 4);
  out.append(qualified_key.data(), qualified_key.size());
  PutU64(&out, version);
  return out;
}

inline std::string ElementKey(std::string_view qualified_key, uint64_t version,
                              std::string_view sub) {
  std::string out = ElementPrefix(qualified_key, version);
  out.append(sub.data(), sub.size());
  return out;
}

// The smallest string greater than every string starting with `prefix` (an exclusive upper
// bound); empty if none exists (prefix all 0xff), which iterators take as "no bound".
inline std::string PrefixEnd(std::string_view prefix) {
  std::string out(prefix);
  while (!out.empty()) {
    uint8_t last = static_cast<uint8_t>(out.back());
    if (last != 0xff) {
      out.back() = static_cast<char>(last + 1);
      return out;
    }
    out.pop_back();
  }
  return out;
}

// Splits an element key. False if it is malformed.
inline bool DecodeElementKey(std::string_view ekey, std::string_view* qualified_key,
                             uint64_t* version, std::string_view* sub) {
  if (ekey.size() < kPrefixSize + 4) return false;
  uint32_t len = (uint32_t{static_cast<uint8_t>(ekey[8])} << 24) |
                 (uint32_t{static_cast<uint8_t>(ekey[9])} << 16) |
                 (uint32_t{static_cast<uint8_t>(ekey[10])} << 8) |
                 uint32_t{static_cast<uint8_t>(ekey[11])};
  size_t at = kPrefixSize + 4;
  if (ekey.size() < at + len + 8) return false;
  *qualified_key = ekey.substr(at, len);
  *version = GetU64(ekey.substr(at + len));
  *sub = ekey.substr(at + len + 8);
  return true;
}

// ---- list indexes ----

inline std::string EncodeIndex(uint64_t index) {
  std::string out;
  PutU64(&out, index);
  return out;
}

// ---- sorted-set scores ----
// 8 bytes whose bytewise order is the numeric order of the doubles (-inf < ... < -0 = 0 < inf).
// -0.0 is stored as 0.0, as Redis replies "0" for both. NaN is never stored (callers refuse it).

inline std::string EncodeScore(double score) {
  if (score == 0) score = 0.0;  // folds -0.0
  uint64_t bits;
  memcpy(&bits, &score, 8);
  bits = (bits & (uint64_t{1} << 63)) ? ~bits : bits | (uint64_t{1} << 63);
  std::string out;
  PutU64(&out, bits);
  return out;
}

inline double DecodeScore(std::string_view in) {
  uint64_t bits = GetU64(in);
  bits = (bits & (uint64_t{1} << 63)) ? bits & ~(uint64_t{1} << 63) : ~bits;
  double score;
  memcpy(&score, &bits, 8);
  return score;
}

inline constexpr char kZsetMemberTag = 'm';
inline constexpr char kZsetScoreTag = 's';

}  // namespace ringkv::storage
