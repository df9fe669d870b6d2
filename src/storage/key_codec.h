#pragma once
// The stored encoding shared by every backend, and the SCAN walk built on it.
//
// Stored key   = [KeyHash(user key): u64 big-endian][qualified key = db byte + user key]
//                (bytewise order = ring order; storage.h explains qualified keys)
// Stored value = [expire_at_ms: u64 little-endian][type: u8][payload]
//
// Header-only and free of RocksDB so MemoryStorage and RocksStorage produce byte-identical data and
// share one Scan implementation (the typed contract tests then pin both). Pure functions;
// thread-safe.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/key_hash.h"
#include "status.h"
#include "storage/storage.h"

namespace ringkv::storage {

inline constexpr size_t kPrefixSize = 8;
inline constexpr size_t kValueHeaderSize = 9;  // expire_at_ms (8) + type (1)
inline constexpr ValueType kMaxValueType = ValueType::kZset;

// The ring position of a qualified key: the hash of its user key (the bytes after the db byte).
inline uint64_t QualifiedKeyHash(std::string_view qualified_key) {
  return cluster::KeyHash(qualified_key.empty() ? qualified_key : qualified_key.substr(1));
}

// A qualified key for database `db` (storage.h).
inline std::string QualifyKey(uint8_t db, std::string_view user_key) {
  std::string out;
  out.reserve(1 + user_key.size());
  out.push_back(static_cast<char>(db));
  out.append(user_key.data(), user_key.size());
  return out;
}

// The 8-byte big-endian form of a ring position (a stored-key prefix, a SCAN cursor).
inline std::string EncodePrefix(uint64_t pos) {
  std::string out(kPrefixSize, '\0');
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(pos & 0xff);
    pos >>= 8;
  }
  return out;
}

inline std::string EncodeKey(std::string_view key) {
  std::string out = EncodePrefix(QualifiedKeyHash(key));
  out.append(key.data(), key.size());
  return out;
}

// The ring position of a stored key. Requires stored.size() >= kPrefixSize.
inline uint64_t DecodePrefix(std::string_view stored) {
  uint64_t pos = 0;
  for (size_t i = 0; i < kPrefixSize; ++i) pos = (pos << 8) | static_cast<uint8_t>(stored[i]);
  return pos;
}

// The qualified key of a stored key. Requires stored.size() >= kPrefixSize.
inline std::string_view DecodeUserKey(std::string_view stored) {
  return stored.substr(kPrefixSize);
}

inline std::string EncodeValue(uint64_t expire_at_ms, ValueType type, std::string_view payload) {
  std::string out;
  out.resize(kValueHeaderSize + payload.size());
  for (size_t i = 0; i < 8; ++i) out[i] = static_cast<char>((expire_at_ms >> (8 * i)) & 0xff);
  out[8] = static_cast<char>(type);
  if (!payload.empty()) memcpy(&out[kValueHeaderSize], payload.data(), payload.size());
  return out;
}

// Reads only the expiry of a stored value; false if it is shorter than the header. Used by the
// compaction filter and the table-properties collector, which must never fail.
inline bool DecodeExpireAt(std::string_view value, uint64_t* expire_at_ms) {
  if (value.size() < kValueHeaderSize) return false;
  uint64_t e = 0;
  for (int i = 7; i >= 0; --i) e = (e << 8) | static_cast<uint8_t>(value[i]);
  *expire_at_ms = e;
  return true;
}

// Decodes the header of a stored value. *payload (optional) views into `value`.
inline Status DecodeValue(std::string_view value, uint64_t* expire_at_ms, ValueType* type,
                          std::string_view* payload) {
  if (!DecodeExpireAt(value, expire_at_ms)) {
    return Status::Corruption("stored value shorter than its header");
  }
  uint8_t t = static_cast<uint8_t>(value[8]);
  if (t > static_cast<uint8_t>(kMaxValueType)) {
    return Status::Corruption("unknown stored value type " + std::to_string(t));
  }
  *type = static_cast<ValueType>(t);
  if (payload != nullptr) *payload = value.substr(kValueHeaderSize);
  return Status::OK();
}

inline bool IsExpired(uint64_t expire_at_ms, uint64_t now_ms) {
  return expire_at_ms != 0 && expire_at_ms < now_ms;
}

// The SCAN walk (Storage::Scan's contract) over any ordered cursor with
//   bool Valid(); std::string_view key(); std::string_view value(); void Next(); Status status();
// already positioned at the first stored key >= EncodePrefix(cursor) and bounded (not Valid) at
// `end` when the caller has one.
//
// At least max(count, 1) entries are examined, expired ones included, then the walk finishes the
// group sharing the last examined prefix, so a {tag} group is never split and the returned cursor
// is strictly greater than the input one. *next_cursor is the next entry's prefix, or 0 when
// nothing is left. 0 is unambiguous as "done": an entry with prefix 0 sorts first, so it is
// always examined in a walk that starts at 0 and the group rule then carries the walk past every
// prefix-0 entry; a returned cursor is therefore never a real position 0.
template <typename Cursor>
Status ScanWalk(Cursor& it, size_t count, uint64_t now_ms, std::vector<ScanItem>* out,
                uint64_t* next_cursor) {
  if (count == 0) count = 1;
  size_t examined = 0;
  uint64_t last_prefix = 0;
  for (; it.Valid(); it.Next()) {
    std::string_view key = it.key();
    if (key.size() < kPrefixSize) return Status::Corruption("stored key shorter than its prefix");
    uint64_t prefix = DecodePrefix(key);
    if (examined >= count && prefix != last_prefix) {
      *next_cursor = prefix;
      return Status::OK();
    }
    uint64_t expire_at_ms;
    ValueType type;
    Status s = DecodeValue(it.value(), &expire_at_ms, &type, nullptr);
    if (!s.ok()) return s;
    if (!IsExpired(expire_at_ms, now_ms)) {
      out->push_back({std::string(DecodeUserKey(key)), type, expire_at_ms});
    }
    last_prefix = prefix;
    ++examined;
  }
  Status s = it.status();
  if (!s.ok()) return s;
  *next_cursor = 0;
  return Status::OK();
}

}  // namespace ringkv::storage
