#pragma once
// One key's stored records, whole: its value record and, for a collection, every element record
// of its current version. The cluster's read-only algebra (Router::Gather) ships keys between
// nodes this way (RINGKV.DUMPKEY) and loads them into a scratch store, where the command's own
// handler then runs; range moves can use the same shape.
//
// Thread-safety: plain functions over thread-safe stores; the caller holds the key's lock when
// it needs the records to be one consistent state.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "status.h"
#include "storage/db_view.h"
#include "storage/storage.h"

namespace ringkv::storage {

struct KeyDump {
  bool exists = false;
  std::string qualified_key;
  ValueType type = ValueType::kString;
  uint64_t expire_at_ms = 0;
  std::string payload;                                        // the value record's payload
  std::vector<std::pair<std::string, std::string>> elements;  // element key -> value
};

// Reads user key `key` of `view` (NotFound folded into exists = false).
Status DumpKey(DbView& view, std::string_view key, KeyDump* out);

// Writes `dump` into `store` (a store of qualified keys) under its qualified key, as one batch.
Status LoadKey(Storage* store, const KeyDump& dump);

}  // namespace ringkv::storage
